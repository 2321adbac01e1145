import NIOCore
import PetrelProtocol
import Testing

@testable import PetrelCoordinator

/// Requests go through the wire at each version (encode, decode), into the shard, and the answers back out
/// through the generated response types, as the broker will drive them.
@Suite struct HandlerTests {
    func wire<M: KafkaMessage>(_ message: M, version: Int16) throws -> M {
        try M(decoding: message.encoded(version: version), version: version)
    }

    func joinRequest(member: String = "") -> JoinGroupRequest {
        var request = JoinGroupRequest()
        request.groupID = "g"
        request.sessionTimeoutMs = 10_000
        request.rebalanceTimeoutMs = 30_000
        request.memberID = member
        request.protocolType = "consumer"
        var range = JoinGroupRequest.JoinGroupRequestProtocol()
        range.name = "range"
        range.metadata = subscription(["t1"])
        request.protocols = [range]
        return request
    }

    @Test(arguments: JoinGroupRequest.versions)
    func joinAndSyncAtEveryVersion(version: Int16) throws {
        var s = Script()
        var parameters = JoinGroupParameters(
            try wire(joinRequest(), version: version), version: version, clientID: "c", clientHost: "/127.0.0.1")
        #expect(parameters.rebalanceTimeout == (version == 0 ? .seconds(10) : .seconds(30)))
        #expect(parameters.requireKnownMemberID == (version >= 4))
        var actions = s.join(parameters, id: s.request())
        if version >= 4 {
            let required = try #require(actions.joinResponses.first?.1)
            let response = try wire(JoinGroupResponse(required, version: version), version: version)
            #expect(KafkaErrorCode(response.errorCode) == .memberIDRequired)
            parameters = JoinGroupParameters(
                try wire(joinRequest(member: response.memberID), version: version), version: version, clientID: "c",
                clientHost: "/127.0.0.1")
            actions = s.join(parameters, id: s.request())
        }
        s.advance(seconds: 3)
        let joined = try #require(s.fire(.join(groupID: "g")).joinResponses.first?.1)
        let response = try wire(JoinGroupResponse(joined, version: version), version: version)
        #expect(KafkaErrorCode(response.errorCode) == .none)
        #expect(response.generationID == 1)
        #expect(response.protocolName == "range")
        #expect(response.protocolType == (version >= 7 ? "consumer" : nil))
        #expect(response.leader == response.memberID)
        #expect(response.members.map(\.metadata) == [subscription(["t1"])])

        var sync = SyncGroupRequest()
        sync.groupID = "g"
        sync.generationID = response.generationID
        sync.memberID = response.memberID
        var assignment = SyncGroupRequest.SyncGroupRequestAssignment()
        assignment.memberID = response.memberID
        assignment.assignment = [1, 2, 3]
        sync.assignments = [assignment]
        let syncVersion = min(version, SyncGroupRequest.versions.upperBound)
        let synced = s.sync(SyncGroupParameters(try wire(sync, version: syncVersion)), id: s.request())
        let syncResult = try #require(synced.syncResponses.first?.1)
        let syncResponse = try wire(SyncGroupResponse(syncResult, version: syncVersion), version: syncVersion)
        #expect(syncResponse.assignment == [1, 2, 3])
        #expect(syncResponse.protocolName == (syncVersion >= 5 ? "range" : nil))

        var heartbeat = HeartbeatRequest()
        heartbeat.groupID = "g"
        heartbeat.generationID = response.generationID
        heartbeat.memberID = response.memberID
        let heartbeatVersion = min(version, HeartbeatRequest.versions.upperBound)
        let beat = s.shard.heartbeat(
            HeartbeatParameters(try wire(heartbeat, version: heartbeatVersion)), requestID: s.request(), now: s.now)
        let error = try #require(beat.heartbeatError)
        #expect(try wire(HeartbeatResponse(error), version: heartbeatVersion).errorCode == 0)
    }

    @Test(arguments: LeaveGroupRequest.versions)
    func leaveAtEveryVersion(version: Int16) throws {
        var s = Script()
        let ids = s.stableGroup(["a"])
        var request = LeaveGroupRequest()
        request.groupID = "g"
        if version >= 3 {
            var known = LeaveGroupRequest.MemberIdentity()
            known.memberID = ids[0]
            var unknown = LeaveGroupRequest.MemberIdentity()
            unknown.memberID = "ghost"
            request.members = [known, unknown]
        } else {
            request.memberID = "ghost"
        }
        let decoded = try wire(request, version: version)
        let actions = s.leave(decoded.leavingMembers(version: version))
        guard case .respondLeave(_, let result)? = actions.last else {
            Issue.record("no leave response")
            return
        }
        let response = try wire(LeaveGroupResponse(result, version: version), version: version)
        if version >= 3 {
            #expect(response.errorCode == 0)
            #expect(response.members.map { KafkaErrorCode($0.errorCode) } == [.none, .unknownMemberID])
        } else {
            // v0-2 carry the single member's error at the top.
            #expect(KafkaErrorCode(response.errorCode) == .unknownMemberID)
        }
    }

    @Test(arguments: OffsetCommitRequest.versions)
    func commitAndFetchAtEveryVersion(version: Int16) throws {
        var s = Script()
        let ids = s.stableGroup(["a"])
        var commit = OffsetCommitRequest()
        commit.groupID = "g"
        commit.generationIDOrMemberEpoch = 1
        commit.memberID = ids[0]
        commit.retentionTimeMs = (2...4).contains(version) ? 60_000 : -1
        var topic = OffsetCommitRequest.OffsetCommitRequestTopic()
        topic.name = "t1"
        var partition = OffsetCommitRequest.OffsetCommitRequestPartition()
        partition.partitionIndex = 0
        partition.committedOffset = 77
        partition.committedLeaderEpoch = version >= 6 ? 3 : -1
        partition.committedMetadata = nil
        topic.partitions = [partition]
        commit.topics = [topic]
        let parameters = OffsetCommitParameters(try wire(commit, version: version), version: version)
        #expect(parameters.retentionTime == ((2...4).contains(version) ? .seconds(60) : nil))
        let result = s.shard.commitOffsets(parameters, now: s.now)
        // v0 commits come from outside group management, refused while the group has members.
        let expected: KafkaErrorCode = version == 0 ? .unknownMemberID : .none
        let response = try wire(OffsetCommitResponse(result.response, version: version), version: version)
        #expect(response.topics.flatMap { $0.partitions.map { KafkaErrorCode($0.errorCode) } } == [expected])
        guard version >= 1 else { return }

        let fetchVersion = min(version, OffsetFetchRequest.versions.upperBound)
        var fetch = OffsetFetchRequest()
        if fetchVersion >= 8 {
            var group = OffsetFetchRequest.OffsetFetchRequestGroup()
            group.groupID = "g"
            group.topics = nil
            fetch.groups = [group]
        } else {
            fetch.groupID = "g"
            var wanted = OffsetFetchRequest.OffsetFetchRequestTopic()
            wanted.name = "t1"
            wanted.partitionIndexes = [0]
            fetch.topics = [wanted]
        }
        let queries = try wire(fetch, version: fetchVersion).groupQueries(version: fetchVersion)
        let results = queries.map { s.shard.fetchOffsets(groupID: $0.groupID, topics: $0.topics) }
        let fetched = try wire(OffsetFetchResponse(results, version: fetchVersion), version: fetchVersion)
        let offsets =
            fetchVersion >= 8
            ? fetched.groups.flatMap { $0.topics.flatMap { $0.partitions.map(\.committedOffset) } }
            : fetched.topics.flatMap { $0.partitions.map(\.committedOffset) }
        #expect(offsets == [77])
    }

    @Test func offsetFetchV1PutsTheGroupErrorOnEveryPartition() throws {
        let loading = GroupCoordinatorShard(partition: 0, memberIDSeed: 1)
        var result = loading.fetchOffsets(groupID: "g", topics: [TopicPartitions(name: "t", partitions: [0, 1])])
        #expect(result.errorCode == .coordinatorLoadInProgress)
        // The shard answers a loading fetch without partitions; the handler still lists the asked ones for v1.
        result.topics = [
            .init(
                name: "t",
                partitions: [
                    .init(partition: 0, offset: -1, leaderEpoch: nil, metadata: ""),
                    .init(partition: 1, offset: -1, leaderEpoch: nil, metadata: ""),
                ])
        ]
        let v1 = try wire(OffsetFetchResponse([result], version: 1), version: 1)
        #expect(
            v1.topics.flatMap { $0.partitions.map { KafkaErrorCode($0.errorCode) } } == [
                .coordinatorLoadInProgress, .coordinatorLoadInProgress,
            ])
        let v5 = try wire(OffsetFetchResponse([result], version: 5), version: 5)
        #expect(KafkaErrorCode(v5.errorCode) == .coordinatorLoadInProgress)
    }

    @Test(arguments: FindCoordinatorRequest.versions)
    func findCoordinatorAtEveryVersion(version: Int16) throws {
        var request = FindCoordinatorRequest()
        if version >= 4 {
            request.coordinatorKeys = ["hello", "test-group"]
        } else {
            request.key = "hello"
        }
        let node = CoordinatorNode(nodeID: 1, host: "localhost", port: 9092)
        var asked: [Int32] = []
        let response = try wire(
            FindCoordinatorResponse(
                answering: try wire(request, version: version), version: version, partitionCount: { _ in 50 },
                leader: { _, partition in
                    asked.append(partition)
                    return partition == 22 ? node : nil
                }),
            version: version)
        if version >= 4 {
            #expect(asked == [22, 12])
            #expect(response.coordinators.map(\.key) == ["hello", "test-group"])
            #expect(response.coordinators.map(\.nodeID) == [1, -1])
            #expect(
                response.coordinators.map { KafkaErrorCode($0.errorCode) } == [.none, .coordinatorNotAvailable])
        } else {
            #expect(asked == [22])
            #expect(response.nodeID == 1)
            #expect(response.host == "localhost")
            #expect(response.port == 9092)
        }
    }

    @Test func findCoordinatorRejectsUnknownKeyTypes() throws {
        var request = FindCoordinatorRequest()
        request.keyType = 2
        request.coordinatorKeys = ["share-key"]
        let response = FindCoordinatorResponse(
            answering: request, version: 6, partitionCount: { _ in 50 }, leader: { _, _ in nil })
        #expect(response.coordinators.map { KafkaErrorCode($0.errorCode) } == [.invalidRequest])
    }

    @Test func adminResponsesEncodeAtEveryVersion() throws {
        var s = Script()
        let ids = s.stableGroup(["a"])
        _ = s.commit(
            OffsetCommitParameters(
                groupID: "g", generationID: 1, memberID: ids[0],
                topics: [.init(name: "t2", partitions: [.init(partition: 0, offset: 1)])]))
        for version in ListGroupsResponse.versions {
            let listed = try wire(ListGroupsResponse(s.shard.listGroups()), version: version)
            #expect(listed.groups.map(\.groupID) == ["g"])
            #expect(listed.groups.map(\.groupState) == [version >= 4 ? "Stable" : ""])
        }
        for version in DescribeGroupsResponse.versions {
            let described = try wire(DescribeGroupsResponse([s.shard.describeGroup("g")]), version: version)
            #expect(described.groups.first?.groupState == "Stable")
            #expect(described.groups.first?.members.map(\.memberAssignment) == [Array(ids[0].utf8)])
        }
        var offsetDelete = OffsetDeleteRequest()
        offsetDelete.groupID = "g"
        var topic = OffsetDeleteRequest.OffsetDeleteRequestTopic()
        topic.name = "t2"
        var partition = OffsetDeleteRequest.OffsetDeleteRequestPartition()
        partition.partitionIndex = 0
        topic.partitions = [partition]
        offsetDelete.topics = [topic]
        let deleted = s.shard.deleteOffsets(groupID: "g", topics: try wire(offsetDelete, version: 0).topicPartitions)
        let deleteResponse = try wire(OffsetDeleteResponse(deleted.response), version: 0)
        #expect(deleteResponse.topics.first?.partitions.first?.errorCode == 0)
        for version in DeleteGroupsResponse.versions {
            let response = try wire(DeleteGroupsResponse(s.shard.deleteGroups(["g"]).response), version: version)
            #expect(response.results.map { KafkaErrorCode($0.errorCode) } == [.nonEmptyGroup])
        }
    }

    @Test func commitToAnUnknownGroupIsIllegalGenerationBeforeV9() throws {
        var s = Script()
        let parameters = OffsetCommitParameters(
            groupID: "nobody", generationID: 4, memberID: "m",
            topics: [.init(name: "t", partitions: [.init(partition: 0, offset: 1)])])
        let result = s.shard.commitOffsets(parameters, now: s.now).response
        let errors = { (version: Int16) in
            try self.wire(OffsetCommitResponse(result, version: version), version: version).topics
                .flatMap { $0.partitions.map { KafkaErrorCode($0.errorCode) } }
        }
        #expect(try errors(8) == [.illegalGeneration])
        #expect(try errors(9) == [.groupIDNotFound])
    }
}
