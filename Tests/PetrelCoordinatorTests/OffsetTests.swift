import PetrelProtocol
import Testing

@testable import PetrelCoordinator

@Suite struct OffsetTests {
    func commit(
        group: String = "g", generation: Int32 = -1, member: String = "", _ partitions: [(String, Int32, Int64)],
        metadata: String? = nil
    ) -> OffsetCommitParameters {
        let topics = Dictionary(grouping: partitions, by: \.0).sorted { $0.key < $1.key }.map { name, entries in
            OffsetCommitParameters.Topic(
                name: name,
                partitions: entries.map { .init(partition: $0.1, offset: $0.2, leaderEpoch: 4, metadata: metadata) })
        }
        return OffsetCommitParameters(groupID: group, generationID: generation, memberID: member, topics: topics)
    }

    func errors(_ result: PartitionErrors) -> [KafkaErrorCode] {
        result.topics.flatMap { $0.partitions.map(\.errorCode) }
    }

    @Test func commitThenFetch() {
        var s = Script()
        let ids = s.stableGroup(["a"])
        let result = s.shard.commitOffsets(
            commit(generation: 1, member: ids[0], [("t1", 0, 42), ("t1", 1, 7)]), now: s.now)
        #expect(
            result.records == [
                .offsetCommit(
                    groupID: "g", topic: "t1", partition: 0,
                    CommittedOffset(offset: 42, leaderEpoch: 4, metadata: "", commitTimestamp: s.now)),
                .offsetCommit(
                    groupID: "g", topic: "t1", partition: 1,
                    CommittedOffset(offset: 7, leaderEpoch: 4, metadata: "", commitTimestamp: s.now)),
            ])
        #expect(errors(result.response) == [.none, .none])
        #expect(
            s.shard.fetchOffsets(groupID: "g", topics: [TopicPartitions(name: "t1", partitions: [1, 0, 5])])
                == OffsetFetchResult(
                    groupID: "g",
                    topics: [
                        .init(
                            name: "t1",
                            partitions: [
                                .init(partition: 1, offset: 7, leaderEpoch: 4, metadata: ""),
                                .init(partition: 0, offset: 42, leaderEpoch: 4, metadata: ""),
                                .init(partition: 5, offset: -1, leaderEpoch: nil, metadata: ""),
                            ])
                    ]))
        // All topics (OffsetFetch with null topics), sorted.
        #expect(
            s.shard.fetchOffsets(groupID: "g", topics: nil).topics.flatMap { $0.partitions.map(\.offset) } == [42, 7])
        #expect(
            s.shard.fetchOffsets(groupID: "unknown", topics: nil) == OffsetFetchResult(groupID: "unknown", topics: []))
    }

    @Test func commitWithWrongGenerationIsIllegalGeneration() {
        var s = Script()
        let ids = s.stableGroup(["a"])
        #expect(errors(s.commit(commit(generation: 0, member: ids[0], [("t1", 0, 1)]))) == [.illegalGeneration])
        #expect(errors(s.commit(commit(generation: 1, member: "ghost", [("t1", 0, 1)]))) == [.unknownMemberID])
        // Generation -1 without a member id is only allowed while the group has no members.
        #expect(errors(s.commit(commit([("t1", 0, 1)]))) == [.unknownMemberID])
        // A group that has no membership state only takes commits from outside group management
        // (the handler turns GROUP_ID_NOT_FOUND into ILLEGAL_GENERATION before v9).
        #expect(
            errors(s.commit(commit(group: "other", generation: 3, member: "m", [("t1", 0, 1)]))) == [.groupIDNotFound]
        )
        #expect(s.shard.fetchOffsets(groupID: "g", topics: nil).topics.isEmpty)
    }

    @Test func commitDuringRebalance() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"])
        _ = s.join(Script.joinParameters(member: ids[0], client: "a"), id: s.request())
        // Preparing: members commit what they consumed before rejoining (eager revocation).
        #expect(errors(s.commit(commit(generation: 1, member: ids[1], [("t1", 0, 1)]))) == [.none])
        _ = s.join(Script.joinParameters(member: ids[1], client: "b"), id: s.request())
        // Completing: the member already has generation 2 but no assignment.
        #expect(errors(s.commit(commit(generation: 2, member: ids[1], [("t1", 0, 2)]))) == [.rebalanceInProgress])
    }

    @Test func simpleConsumerCommitCreatesAnOffsetOnlyGroup() {
        var s = Script()
        #expect(errors(s.commit(commit(group: "simple", [("t1", 0, 5)]))) == [.none])
        #expect(s.shard.listGroups() == [ListedGroup(groupID: "simple", protocolType: "", state: .empty)])
        #expect(
            s.shard.describeGroup("simple")
                == DescribedGroup(groupID: "simple", state: .empty, protocolType: "", protocolData: "", members: []))
        #expect(s.shard.describeGroup("missing").state == .dead)
    }

    @Test func oversizedMetadataIsRefusedPerPartition() {
        var config = Script.config
        config.offsetMetadataBytesMax = 4
        var s = Script(config: config)
        let result = s.shard.commitOffsets(commit([("t1", 0, 5)], metadata: "12345"), now: s.now)
        #expect(result.records == [])
        #expect(errors(result.response) == [.offsetMetadataTooLarge])
    }

    @Test func offsetsOfASimpleGroupExpireARetentionPeriodAfterTheirCommit() {
        var config = Script.config
        config.offsetsRetention = .seconds(3600)
        var s = Script(config: config)
        _ = s.commit(commit(group: "simple", [("t1", 0, 5)]))
        s.advance(seconds: 1800)
        _ = s.commit(commit(group: "simple", [("t1", 1, 6)]))
        s.advance(seconds: 1800)
        #expect(
            s.fire(.offsetExpiration) == [
                .appendRecords([.offsetCommit(groupID: "simple", topic: "t1", partition: 0, nil)], then: []),
                .scheduleTimer(.offsetExpiration, deadline: s.now + 600),
            ])
        #expect(s.shard.fetchOffsets(groupID: "simple", topics: nil).topics.first?.partitions.map(\.partition) == [1])
        s.advance(seconds: 1800)
        #expect(
            s.fire(.offsetExpiration).appendedRecords == [
                .offsetCommit(groupID: "simple", topic: "t1", partition: 1, nil)
            ])
        #expect(s.shard.listGroups() == [])
    }

    @Test func offsetsOfAnEmptyGroupExpireFromWhenItBecameEmptyAndTheGroupGoesWithThem() {
        var config = Script.config
        config.offsetsRetention = .seconds(3600)
        var s = Script(config: config)
        let ids = s.stableGroup(["a"])
        _ = s.commit(commit(generation: 1, member: ids[0], [("t1", 0, 5)]))
        s.advance(seconds: 7200)
        // Stable, and t1 is subscribed: the offset is kept however old it is.
        #expect(s.fire(.offsetExpiration).appendedRecords == [])
        _ = s.leave([LeavingMember(memberID: ids[0])])
        #expect(s.shard.group("g")?.state == .empty)
        s.advance(seconds: 3599)
        #expect(s.fire(.offsetExpiration).appendedRecords == [])
        s.advance(seconds: 1)
        #expect(
            s.fire(.offsetExpiration).appendedRecords == [
                .offsetCommit(groupID: "g", topic: "t1", partition: 0, nil), .groupMetadata(groupID: "g", nil),
            ])
        #expect(s.shard.group("g") == nil)
    }

    @Test func stableConsumerGroupLosesOffsetsOfTopicsNobodySubscribesTo() {
        var config = Script.config
        config.offsetsRetention = .seconds(3600)
        var s = Script(config: config)
        let ids = s.stableGroup(["a"])
        _ = s.commit(commit(generation: 1, member: ids[0], [("t1", 0, 5), ("old-topic", 0, 9)]))
        s.advance(seconds: 3600)
        #expect(
            s.fire(.offsetExpiration).appendedRecords == [
                .offsetCommit(groupID: "g", topic: "old-topic", partition: 0, nil)
            ])
    }

    @Test func explicitRetentionTimeWins() {
        var s = Script()
        var parameters = commit(group: "simple", [("t1", 0, 5)])
        parameters.retentionTime = .seconds(60)
        _ = s.commit(parameters)
        s.advance(seconds: 60)
        #expect(s.fire(.offsetExpiration).appendedRecords.count == 1)
    }

    @Test func deleteGroupRequiresAnEmptyGroup() {
        var s = Script()
        let ids = s.stableGroup(["a"])
        _ = s.commit(commit(generation: 1, member: ids[0], [("t1", 0, 5), ("t2", 0, 6)]))
        let refused = s.shard.deleteGroups(["g", "missing"])
        #expect(refused.records == [])
        #expect(refused.response.map(\.errorCode) == [.nonEmptyGroup, .groupIDNotFound])
        _ = s.leave([LeavingMember(memberID: ids[0])])
        let deleted = s.shard.deleteGroups(["g"])
        #expect(
            deleted.records == [
                .offsetCommit(groupID: "g", topic: "t1", partition: 0, nil),
                .offsetCommit(groupID: "g", topic: "t2", partition: 0, nil),
                .groupMetadata(groupID: "g", nil),
            ])
        #expect(deleted.response.map(\.errorCode) == [KafkaErrorCode.none])
        #expect(s.shard.listGroups() == [])
        #expect(s.shard.fetchOffsets(groupID: "g", topics: nil).topics.isEmpty)
    }

    @Test func offsetDeleteRefusesSubscribedTopicsOfAnActiveGroup() {
        var s = Script()
        let ids = s.stableGroup(["a"])
        _ = s.commit(commit(generation: 1, member: ids[0], [("t1", 0, 5), ("t2", 0, 6)]))
        let result = s.shard.deleteOffsets(
            groupID: "g",
            topics: [TopicPartitions(name: "t1", partitions: [0]), TopicPartitions(name: "t2", partitions: [0, 1])])
        #expect(result.records == [.offsetCommit(groupID: "g", topic: "t2", partition: 0, nil)])
        #expect(errors(result.response) == [.groupSubscribedToTopic, .none, .none])
        #expect(s.shard.deleteOffsets(groupID: "missing", topics: []).response.errorCode == .groupIDNotFound)
    }

    @Test func everyOperationWaitsForTheLoad() {
        let shard = GroupCoordinatorShard(partition: 3, memberIDSeed: 1)
        var loading = shard
        #expect(
            loading.commitOffsets(commit([("t", 0, 1)]), now: t0).response.topics.first?.partitions.first?.errorCode
                == .coordinatorLoadInProgress)
        #expect(shard.fetchOffsets(groupID: "g", topics: nil).errorCode == .coordinatorLoadInProgress)
        #expect(shard.describeGroup("g").errorCode == .coordinatorLoadInProgress)
        #expect(loading.deleteGroups(["g"]).response.map(\.errorCode) == [.coordinatorLoadInProgress])
        #expect(
            loading.heartbeat(
                HeartbeatParameters(groupID: "g", generationID: 1, memberID: "m"), requestID: RequestID(1), now: t0)
                == [.respondHeartbeat(RequestID(1), .none)])
        #expect(
            loading.syncGroup(
                SyncGroupParameters(groupID: "g", generationID: 1, memberID: "m"), requestID: RequestID(2), now: t0)
                == [.respondSync(RequestID(2), .failure(.rebalanceInProgress))])
        #expect(
            loading.joinGroup(Script.joinParameters(client: "c"), requestID: RequestID(3), now: t0)
                == [.respondJoin(RequestID(3), .failure(.coordinatorLoadInProgress, memberID: ""))])
        #expect(loading.timerFired(.offsetExpiration, now: t0) == [])
    }
}
