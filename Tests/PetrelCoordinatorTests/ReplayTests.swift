import PetrelProtocol
import Testing

@testable import PetrelCoordinator

@Suite struct ReplayTests {
    /// Every group and offset a client can observe.
    func observable(_ shard: GroupCoordinatorShard) -> [String] {
        shard.listGroups().flatMap { listed in
            [
                "\(listed)", "\(shard.describeGroup(listed.groupID))",
                "\(shard.fetchOffsets(groupID: listed.groupID, topics: nil))",
                "\(shard.group(listed.groupID)?.snapshot as Any)",
            ]
        }
    }

    func offsets(_ member: String, generation: Int32, _ offset: Int64, group: String = "g") -> OffsetCommitParameters {
        OffsetCommitParameters(
            groupID: group, generationID: generation, memberID: member,
            topics: [.init(name: "t1", partitions: [.init(partition: 0, offset: offset, metadata: "m\(offset)")])])
    }

    @Test func replayingTheRecordsRebuildsTheSameState() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"], instances: [nil, "instance-b"])
        _ = s.commit(offsets(ids[0], generation: 1, 10))
        _ = s.commit(offsets(ids[0], generation: 1, 11))
        // A static restart rewrites the group record at the same generation.
        _ = s.join(Script.joinParameters(instance: "instance-b", client: "b"), id: s.request())
        // A second group that empties, and a third that is deleted.
        let other = s.stableGroup(["c"], group: "other")
        _ = s.commit(offsets(other[0], generation: 1, 3, group: "other"))
        _ = s.leave([LeavingMember(memberID: other[0])], group: "other")
        let gone = s.stableGroup(["d"], group: "gone")
        _ = s.commit(offsets(gone[0], generation: 1, 4, group: "gone"))
        _ = s.leave([LeavingMember(memberID: gone[0])], group: "gone")
        s.log += s.shard.deleteGroups(["gone"]).records
        _ = s.commit(
            OffsetCommitParameters(
                groupID: "simple", topics: [.init(name: "t9", partitions: [.init(partition: 2, offset: 99)])]))

        var loaded = GroupCoordinatorShard(partition: 12, config: Script.config, memberIDSeed: 77)
        for record in s.log { loaded.replay(record) }
        #expect(loaded.isLoading)
        let loadActions = loaded.completeLoad(now: s.now)
        #expect(observable(loaded) == observable(s.shard))
        #expect(loaded.listGroups().map(\.groupID) == ["g", "other", "simple"])
        #expect(
            loadActions == [
                .scheduleTimer(.heartbeat(groupID: "g", memberID: ids[0]), deadline: s.now + 10),
                .scheduleTimer(
                    .heartbeat(groupID: "g", memberID: s.shard.group("g")?.members.last?.memberID ?? ""),
                    deadline: s.now + 10),
                .scheduleTimer(.offsetExpiration, deadline: s.now + 600),
            ])
    }

    @Test func aLoadedGroupCarriesOnWhereItStopped() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"], assignments: [[1], [2]])
        var loaded = GroupCoordinatorShard(partition: 12, config: Script.config, memberIDSeed: 77)
        for record in s.log { loaded.replay(record) }
        _ = loaded.completeLoad(now: s.now)
        #expect(loaded.group("g")?.state == .stable)
        #expect(
            loaded.heartbeat(
                HeartbeatParameters(groupID: "g", generationID: 1, memberID: ids[1]), requestID: RequestID(1),
                now: s.now
            )
            .last == .respondHeartbeat(RequestID(1), .none))
        #expect(
            loaded.syncGroup(
                SyncGroupParameters(groupID: "g", generationID: 1, memberID: ids[1]), requestID: RequestID(2),
                now: s.now)
                == [
                    .respondSync(
                        RequestID(2),
                        SyncGroupResult(protocolType: "consumer", protocolName: "range", assignment: [2])),
                    .scheduleTimer(.heartbeat(groupID: "g", memberID: ids[1]), deadline: s.now + 10),
                ])
        // A member that never heartbeats to the new coordinator expires after its session.
        let expired = loaded.timerFired(.heartbeat(groupID: "g", memberID: ids[0]), now: s.now + 10)
        #expect(expired.first == .cancelTimer(.heartbeat(groupID: "g", memberID: ids[0])))
        #expect(loaded.group("g")?.state == .preparingRebalance)
    }

    @Test func liveReplayOfTheGroupsOwnRecordLeavesItAlone() {
        var s = Script()
        _ = s.stableGroup(["a"])
        let before = s.shard.group("g")
        _ = s.join(Script.joinParameters(member: before?.leaderID ?? "", client: "a"), id: s.request())
        let during = s.shard.group("g")
        // An older image replayed while live must not roll the group back.
        for record in s.log { s.shard.replay(record) }
        #expect(s.shard.group("g") == during)
    }

    @Test func unloadAnswersParkedRequestsAndCancelsTimers() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"])
        let parked = s.request()
        _ = s.join(Script.joinParameters(member: ids[0], client: "a"), id: parked)
        #expect(
            s.shard.unload() == [
                .respondJoin(parked, .failure(.notCoordinator, memberID: ids[0])),
                .cancelTimer(.heartbeat(groupID: "g", memberID: ids[0])),
                .cancelTimer(.heartbeat(groupID: "g", memberID: ids[1])),
                .cancelTimer(.join(groupID: "g")),
                .cancelTimer(.sync(groupID: "g")),
                .cancelTimer(.offsetExpiration),
            ])
        #expect(s.shard.isLoading)
        #expect(s.shard.listGroups().isEmpty)
    }

    @Test func aGroupOverTheLoweredMaxSizeRebalancesAfterLoad() {
        var s = Script()
        let ids = s.stableGroup(["a", "b", "c"])
        var config = Script.config
        config.groupSizeMax = 2
        var loaded = GroupCoordinatorShard(partition: 12, config: config, memberIDSeed: 77)
        s.log.forEach { loaded.replay($0) }
        #expect(loaded.completeLoad(now: s.now).contains(.scheduleTimer(.join(groupID: "g"), deadline: s.now + 30)))
        #expect(loaded.group("g")?.state == .preparingRebalance)
        var actions: [CoordinatorAction] = []
        for (index, client) in ["a", "b", "c"].enumerated() {
            actions += loaded.joinGroup(
                Script.joinParameters(member: ids[index], client: client), requestID: RequestID(UInt64(index)),
                now: s.now)
        }
        // c finds the group full and is dropped, which lets a and b complete the join phase.
        #expect(
            (0..<3).map { actions.joinResponse(RequestID(UInt64($0)))?.errorCode }
                == [KafkaErrorCode.none, KafkaErrorCode.none, .groupMaxSizeReached])
        #expect(loaded.group("g")?.members.map(\.memberID) == [ids[0], ids[1]])
    }
}
