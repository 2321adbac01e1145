import PetrelProtocol
import Testing

@testable import PetrelCoordinator

@Suite struct ClassicGroupTests {
    let metadata = subscription(["t1"])

    func member(_ id: String, metadata: [UInt8]? = nil) -> JoinGroupResult.Member {
        JoinGroupResult.Member(memberID: id, groupInstanceID: nil, metadata: metadata ?? self.metadata)
    }

    @Test func memberIDRequiredHandshakeThenJoinSyncAndHeartbeat() {
        var s = Script()
        let a = s.expectedMemberID("a")
        let r1 = s.request()
        #expect(
            s.join(Script.joinParameters(client: "a"), id: r1) == [
                .scheduleTimer(.pendingMember(groupID: "g", memberID: a), deadline: t0 + 10),
                .respondJoin(r1, .failure(.memberIDRequired, memberID: a)),
            ])
        let r2 = s.request()
        #expect(
            s.join(Script.joinParameters(member: a, client: "a"), id: r2) == [
                .cancelTimer(.pendingMember(groupID: "g", memberID: a)),
                // Until its first JoinGroup response a member cannot heartbeat: the new-member timeout guards it.
                .scheduleTimer(.heartbeat(groupID: "g", memberID: a), deadline: t0 + 300),
                .scheduleTimer(.join(groupID: "g"), deadline: t0 + 3),
            ])
        #expect(s.shard.group("g")?.state == .preparingRebalance)

        s.advance(seconds: 1)
        let b = s.expectedMemberID("b")
        let r3 = s.request()
        #expect(s.join(Script.joinParameters(client: "b"), id: r3).joinResponse(r3)?.errorCode == .memberIDRequired)
        let r4 = s.request()
        // b arrives during the initial delay and extends it.
        #expect(
            s.join(Script.joinParameters(member: b, client: "b"), id: r4) == [
                .cancelTimer(.pendingMember(groupID: "g", memberID: b)),
                .scheduleTimer(.heartbeat(groupID: "g", memberID: b), deadline: t0 + 301),
            ])
        s.advance(seconds: 2)
        #expect(s.fire(.join(groupID: "g")) == [.scheduleTimer(.join(groupID: "g"), deadline: t0 + 6)])

        s.advance(seconds: 3)
        #expect(
            s.fire(.join(groupID: "g")) == [
                .cancelTimer(.join(groupID: "g")),
                .scheduleTimer(.sync(groupID: "g"), deadline: t0 + 36),
                .respondJoin(
                    r2,
                    JoinGroupResult(
                        generationID: 1, protocolType: "consumer", protocolName: "range", leader: a, memberID: a,
                        members: [member(a), member(b)])),
                .scheduleTimer(.heartbeat(groupID: "g", memberID: a), deadline: t0 + 16),
                .respondJoin(
                    r4,
                    JoinGroupResult(
                        generationID: 1, protocolType: "consumer", protocolName: "range", leader: a, memberID: b)),
                .scheduleTimer(.heartbeat(groupID: "g", memberID: b), deadline: t0 + 16),
            ])
        #expect(s.shard.group("g")?.state == .completingRebalance)

        let r5 = s.request()
        #expect(s.sync(SyncGroupParameters(groupID: "g", generationID: 1, memberID: b), id: r5) == [])
        let r6 = s.request()
        let assignments = [
            SyncGroupParameters.Assignment(memberID: a, assignment: [1]),
            SyncGroupParameters.Assignment(memberID: b, assignment: [2]),
        ]
        let snapshot = GroupMetadataSnapshot(
            protocolType: "consumer", generationID: 1, protocolName: "range", leader: a,
            currentStateTimestamp: t0 + 6,
            members: [
                .init(
                    memberID: a, groupInstanceID: nil, clientID: "a", clientHost: "/127.0.0.1",
                    rebalanceTimeout: .seconds(30), sessionTimeout: .seconds(10), subscription: metadata,
                    assignment: [1]),
                .init(
                    memberID: b, groupInstanceID: nil, clientID: "b", clientHost: "/127.0.0.1",
                    rebalanceTimeout: .seconds(30), sessionTimeout: .seconds(10), subscription: metadata,
                    assignment: [2]),
            ])
        #expect(
            s.sync(SyncGroupParameters(groupID: "g", generationID: 1, memberID: a, assignments: assignments), id: r6)
                == [
                    .cancelTimer(.sync(groupID: "g")),
                    .scheduleTimer(.heartbeat(groupID: "g", memberID: a), deadline: t0 + 16),
                    .scheduleTimer(.heartbeat(groupID: "g", memberID: b), deadline: t0 + 16),
                    .appendRecords(
                        [.groupMetadata(groupID: "g", snapshot)],
                        then: [
                            .respondSync(
                                r6, SyncGroupResult(protocolType: "consumer", protocolName: "range", assignment: [1])),
                            .respondSync(
                                r5, SyncGroupResult(protocolType: "consumer", protocolName: "range", assignment: [2])),
                        ]),
                ])
        #expect(s.shard.group("g")?.state == .stable)

        s.advance(seconds: 5)
        #expect(
            s.heartbeat(b, generation: 1) == [
                .scheduleTimer(.heartbeat(groupID: "g", memberID: b), deadline: t0 + 21),
                .respondHeartbeat(RequestID(s.nextRequest), .none),
            ])
        #expect(s.heartbeat(b, generation: 0).heartbeatError == .illegalGeneration)
        #expect(s.heartbeat("nobody", generation: 1).heartbeatError == .unknownMemberID)
        #expect(s.heartbeat(b, generation: 1, group: "other").heartbeatError == .unknownMemberID)
    }

    @Test func protocolSelectionPicksTheMostVotedProtocolAllMembersSupport() {
        var s = Script()
        let rr = { GroupProtocol(name: "roundrobin", metadata: [9]) }
        let range = GroupProtocol(name: "range", metadata: metadata)
        let sticky = GroupProtocol(name: "sticky", metadata: [7])
        let ids = s.stableGroup(["a", "b", "c"], protocols: [[range, rr()], [rr(), range], [rr(), sticky, range]])
        #expect(s.shard.group("g")?.protocolName == "roundrobin")
        let described = s.shard.describeGroup("g")
        #expect(described.protocolData == "roundrobin")
        #expect(described.members.map(\.metadata) == [[9], [9], [9]])
        #expect(described.members.map(\.assignment) == ids.map { Array($0.utf8) })
        // A joiner sharing no protocol with every member is refused.
        let refused = s.request()
        #expect(
            s.join(Script.joinParameters(client: "d", protocols: [sticky]), id: refused).joinResponse(refused)
                == .failure(.inconsistentGroupProtocol, memberID: ""))
        #expect(s.shard.group("g")?.members.map(\.memberID) == ids)
        // A refused first join to a new group leaves no group behind.
        _ = s.join(Script.joinParameters(group: "new", client: "d", protocols: []), id: s.request())
        #expect(s.shard.group("new") == nil)
    }

    @Test func tiedVotesGoToTheFirstMembersPreference() {
        var s = Script()
        let rr = GroupProtocol(name: "roundrobin", metadata: [9])
        let range = GroupProtocol(name: "range", metadata: metadata)
        _ = s.stableGroup(["a", "b"], protocols: [[rr, range], [range, rr]])
        #expect(s.shard.group("g")?.protocolName == "roundrobin")
    }

    @Test func memberThatStopsHeartbeatingExpiresAndTheGroupRebalances() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"])
        let (a, b) = (ids[0], ids[1])
        let start = s.now
        s.advance(seconds: 5)
        #expect(s.heartbeat(a, generation: 1).heartbeatError == KafkaErrorCode.none)
        s.advance(seconds: 5)
        // a's timer was moved by its heartbeat: the old fire is stale.
        #expect(s.fire(.heartbeat(groupID: "g", memberID: a)) == [])
        #expect(
            s.fire(.heartbeat(groupID: "g", memberID: b)) == [
                .cancelTimer(.heartbeat(groupID: "g", memberID: b)),
                .scheduleTimer(.join(groupID: "g"), deadline: start + 40),
            ])
        #expect(s.shard.group("g")?.members.map(\.memberID) == [a])
        #expect(s.heartbeat(a, generation: 1).heartbeatError == .rebalanceInProgress)
        let rejoin = s.request()
        #expect(
            s.join(Script.joinParameters(member: a, client: "a"), id: rejoin).joinResponse(rejoin)
                == JoinGroupResult(
                    generationID: 2, protocolType: "consumer", protocolName: "range", leader: a, memberID: a,
                    members: [member(a)]))
    }

    @Test func leaveTriggersRebalanceAndLastLeaveEmptiesTheGroup() {
        var s = Script()
        let ids = s.stableGroup(["a", "b", "c"])
        #expect(
            s.leave([LeavingMember(memberID: ids[1])]) == [
                .cancelTimer(.heartbeat(groupID: "g", memberID: ids[1])),
                .scheduleTimer(.join(groupID: "g"), deadline: s.now + 30),
                .respondLeave(
                    RequestID(s.nextRequest),
                    LeaveGroupResult(members: [.init(memberID: ids[1], groupInstanceID: nil, errorCode: .none)])),
            ])
        #expect(s.shard.group("g")?.state == .preparingRebalance)
        #expect(s.heartbeat(ids[0], generation: 1).heartbeatError == .rebalanceInProgress)
        // Mid-rebalance, DescribeGroups shows who is in but no protocol, metadata or assignment.
        #expect(
            s.shard.describeGroup("g")
                == DescribedGroup(
                    groupID: "g", state: .preparingRebalance, protocolType: "consumer", protocolData: "",
                    members: [ids[0], ids[2]].map {
                        .init(
                            memberID: $0, groupInstanceID: nil, clientID: $0.hasPrefix("a") ? "a" : "c",
                            clientHost: "/127.0.0.1", metadata: [], assignment: [])
                    }))

        let left = s.leave([
            LeavingMember(memberID: ids[0]), LeavingMember(memberID: ids[2]), LeavingMember(memberID: "x"),
        ])
        #expect(
            left.last
                == .respondLeave(
                    RequestID(s.nextRequest),
                    LeaveGroupResult(members: [
                        .init(memberID: ids[0], groupInstanceID: nil, errorCode: .none),
                        .init(memberID: ids[2], groupInstanceID: nil, errorCode: .none),
                        .init(memberID: "x", groupInstanceID: nil, errorCode: .unknownMemberID),
                    ])))
        #expect(
            left.appendedRecords == [
                .groupMetadata(
                    groupID: "g",
                    GroupMetadataSnapshot(
                        protocolType: "consumer", generationID: 2, protocolName: nil, leader: nil,
                        currentStateTimestamp: s.now, members: []))
            ])
        #expect(s.shard.group("g")?.state == .empty)
    }

    @Test func staticMemberRejoinKeepsItsAssignmentWithoutRebalance() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"], instances: ["instance-a", nil], assignments: [[0xA], [0xB]])
        let (a, b) = (ids[0], ids[1])
        #expect(s.shard.group("g")?.leaderID == a)

        // The process restarts: same instance id, no member id.
        let a2 = s.expectedMemberID("a")
        let rejoin = s.request()
        let actions = s.join(Script.joinParameters(instance: "instance-a", client: "a"), id: rejoin)
        #expect(
            actions == [
                .cancelTimer(.heartbeat(groupID: "g", memberID: a)),
                .scheduleTimer(.heartbeat(groupID: "g", memberID: a2), deadline: s.now + 10),
                .appendRecords(
                    [.groupMetadata(groupID: "g", s.shard.group("g")?.snapshot)],
                    then: [
                        .respondJoin(
                            rejoin,
                            JoinGroupResult(
                                generationID: 1, protocolType: "consumer", protocolName: "range", leader: a,
                                memberID: a2))
                    ]),
            ])
        #expect(s.shard.group("g")?.state == .stable)
        #expect(s.shard.group("g")?.snapshot.members.map(\.memberID) == [a2, b])

        let sync = s.request()
        #expect(
            s.sync(
                SyncGroupParameters(groupID: "g", generationID: 1, memberID: a2, groupInstanceID: "instance-a"),
                id: sync)
                == [
                    .respondSync(
                        sync, SyncGroupResult(protocolType: "consumer", protocolName: "range", assignment: [0xA])),
                    .scheduleTimer(.heartbeat(groupID: "g", memberID: a2), deadline: s.now + 10),
                ])
        #expect(s.heartbeat(b, generation: 1).heartbeatError == KafkaErrorCode.none)
    }

    @Test func duplicateStaticInstanceIsFenced() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"], instances: ["instance-a", nil])
        let old = ids[0]
        _ = s.join(Script.joinParameters(instance: "instance-a", client: "a"), id: s.request())
        // The older process still holds the previous member id: every request of it is fenced.
        #expect(s.heartbeat(old, generation: 1, instance: "instance-a").heartbeatError == .fencedInstanceID)
        let join = s.request()
        #expect(
            s.join(Script.joinParameters(member: old, instance: "instance-a", client: "a"), id: join).joinResponse(join)
                == .failure(.fencedInstanceID, memberID: old))
        let sync = s.request()
        #expect(
            s.sync(
                SyncGroupParameters(groupID: "g", generationID: 1, memberID: old, groupInstanceID: "instance-a"),
                id: sync)
                == [.respondSync(sync, .failure(.fencedInstanceID))])
        let commit = s.commit(
            OffsetCommitParameters(
                groupID: "g", generationID: 1, memberID: old, groupInstanceID: "instance-a",
                topics: [.init(name: "t1", partitions: [.init(partition: 0, offset: 5)])]))
        #expect(commit.topics.first?.partitions.first?.errorCode == .fencedInstanceID)
        #expect(
            s.leave([LeavingMember(memberID: old, groupInstanceID: "instance-a")]).last
                == .respondLeave(
                    RequestID(s.nextRequest),
                    LeaveGroupResult(members: [
                        .init(memberID: old, groupInstanceID: "instance-a", errorCode: .fencedInstanceID)
                    ])))
    }

    @Test func staticRejoinThatChangesTheProtocolChoiceRebalances() {
        var s = Script()
        let range = GroupProtocol(name: "range", metadata: metadata)
        let rr = GroupProtocol(name: "roundrobin", metadata: [9])
        _ = s.stableGroup(["a", "b"], instances: ["instance-a", nil], protocols: [[range, rr], [range, rr]])
        _ = s.join(Script.joinParameters(instance: "instance-a", client: "a", protocols: [rr, range]), id: s.request())
        // Votes are now one each, and the first member (a) prefers roundrobin.
        #expect(s.shard.group("g")?.state == .preparingRebalance)
    }

    @Test func staticMemberCanLeaveByInstanceIDAlone() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"], instances: ["instance-a", nil])
        let leave = s.leave([LeavingMember(memberID: "", groupInstanceID: "instance-a")])
        #expect(leave.first == .cancelTimer(.heartbeat(groupID: "g", memberID: ids[0])))
        #expect(s.shard.group("g")?.members.map(\.memberID) == [ids[1]])
    }

    @Test func groupMaxSizeRefusesTheJoinerBeyondIt() {
        var config = Script.config
        config.groupSizeMax = 2
        var s = Script(config: config)
        for client in ["a", "b"] {
            let first = s.join(Script.joinParameters(client: client), id: s.request())
            _ = s.join(
                Script.joinParameters(member: first.joinResponses.first?.1.memberID ?? "", client: client),
                id: s.request())
        }
        let third = s.request()
        #expect(
            s.join(Script.joinParameters(client: "c"), id: third)
                == [.respondJoin(third, .failure(.groupMaxSizeReached, memberID: ""))])
        #expect(s.shard.group("g")?.members.count == 2)
    }

    @Test func aRestartedStaticMemberFitsIntoAFullGroup() {
        var config = Script.config
        config.groupSizeMax = 2
        var s = Script(config: config)
        _ = s.stableGroup(["a", "b"], instances: ["instance-a", nil])
        let rejoin = s.request()
        #expect(
            s.join(Script.joinParameters(instance: "instance-a", client: "a"), id: rejoin).joinResponse(rejoin)?
                .errorCode == KafkaErrorCode.none)
        let newcomer = s.request()
        #expect(
            s.join(Script.joinParameters(instance: "instance-c", client: "c"), id: newcomer)
                == [.respondJoin(newcomer, .failure(.groupMaxSizeReached, memberID: ""))])
    }

    @Test func initialRebalanceDelayExtendsForNewMembersUpToTheRebalanceTimeout() {
        var s = Script()
        _ = s.join(Script.joinParameters(client: "a", rebalanceSeconds: 5), id: s.request())
        let a = s.shard.group("g")?.pendingMembers.keys.first ?? ""
        let joinA = s.request()
        _ = s.join(Script.joinParameters(member: a, client: "a", rebalanceSeconds: 5), id: joinA)
        s.advance(seconds: 1)
        _ = s.join(Script.joinParameters(client: "b", rebalanceSeconds: 5), id: s.request())
        let bID = s.shard.group("g")?.pendingMembers.keys.first ?? ""
        _ = s.join(Script.joinParameters(member: bID, client: "b", rebalanceSeconds: 5), id: s.request())
        s.advance(seconds: 2)
        // 3 s delay, 2 s left of the 5 s rebalance timeout: extended by 2 s, then no more.
        #expect(s.fire(.join(groupID: "g")) == [.scheduleTimer(.join(groupID: "g"), deadline: t0 + 5)])
        s.advance(seconds: 1)
        _ = s.join(Script.joinParameters(client: "c", rebalanceSeconds: 5), id: s.request())
        let cID = s.shard.group("g")?.pendingMembers.keys.first ?? ""
        _ = s.join(Script.joinParameters(member: cID, client: "c", rebalanceSeconds: 5), id: s.request())
        s.advance(seconds: 1)
        let completed = s.fire(.join(groupID: "g"))
        #expect(completed.joinResponse(joinA)?.members.map(\.memberID) == [a, bID, cID])
        #expect(s.shard.group("g")?.generationID == 1)
    }

    @Test func initialDelayWaitsEvenWhenEveryoneHasJoined() {
        var s = Script()
        let first = s.join(Script.joinParameters(client: "a"), id: s.request())
        let a = first.joinResponses.first?.1.memberID ?? ""
        let join = s.request()
        _ = s.join(Script.joinParameters(member: a, client: "a"), id: join)
        #expect(s.shard.group("g")?.state == .preparingRebalance)
        s.advance(seconds: 3)
        #expect(s.fire(.join(groupID: "g")).joinResponse(join)?.generationID == 1)
    }

    @Test func rebalanceTimeoutDropsMembersThatDoNotRejoin() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"])
        let start = s.now
        let rejoin = s.request()
        // The leader rejoining starts a rebalance; b never comes back.
        #expect(
            s.join(Script.joinParameters(member: ids[0], client: "a"), id: rejoin) == [
                .scheduleTimer(.join(groupID: "g"), deadline: start + 30)
            ])
        s.advance(seconds: 29)
        #expect(s.fire(.join(groupID: "g")) == [])
        s.advance(seconds: 1)
        let completed = s.fire(.join(groupID: "g"))
        #expect(
            completed.joinResponse(rejoin)
                == JoinGroupResult(
                    generationID: 2, protocolType: "consumer", protocolName: "range", leader: ids[0],
                    memberID: ids[0], members: [member(ids[0])]))
        #expect(completed.first == .cancelTimer(.heartbeat(groupID: "g", memberID: ids[1])))
    }

    @Test func membersThatNeverSyncAreDroppedAtTheSyncDeadline() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"])
        // a new rebalance where b rejoins but then never syncs
        let rejoinA = s.request()
        _ = s.join(Script.joinParameters(member: ids[0], client: "a"), id: rejoinA)
        let done = s.join(Script.joinParameters(member: ids[1], client: "b"), id: s.request())
        #expect(done.joinResponse(rejoinA)?.generationID == 2)
        _ = s.sync(
            SyncGroupParameters(
                groupID: "g", generationID: 2, memberID: ids[0],
                assignments: [.init(memberID: ids[0], assignment: [1]), .init(memberID: ids[1], assignment: [2])]),
            id: s.request())
        #expect(s.shard.group("g")?.state == .stable)
        s.advance(seconds: 30)
        let expired = s.fire(.sync(groupID: "g"))
        #expect(expired.first == .cancelTimer(.heartbeat(groupID: "g", memberID: ids[1])))
        #expect(s.shard.group("g")?.state == .preparingRebalance)
        #expect(s.shard.group("g")?.members.map(\.memberID) == [ids[0]])
    }

    @Test func cooperativeRebalanceRoundsRunAsRepeatedRebalances() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"])
        let (a, b) = (ids[0], ids[1])
        let owned = { (partitions: UInt8) in
            [GroupProtocol(name: "cooperative-sticky", metadata: subscription(["t1"], userData: [partitions]))]
        }
        // Round 1: b's subscription metadata changes (owned partitions); the group must rebalance.
        let joinB = s.request()
        #expect(
            s.join(
                Script.joinParameters(
                    member: b, client: "b", protocols: owned(1) + [GroupProtocol(name: "range", metadata: metadata)]),
                id: joinB) == [
                    .scheduleTimer(.join(groupID: "g"), deadline: s.now + 30)
                ])
        #expect(s.heartbeat(a, generation: 1).heartbeatError == .rebalanceInProgress)
        let joinA = s.request()
        let round1 = s.join(Script.joinParameters(member: a, client: "a"), id: joinA)
        #expect(round1.joinResponse(joinA)?.generationID == 2)
        #expect(round1.joinResponse(joinB)?.generationID == 2)
        // Both members still share only "range".
        #expect(s.shard.group("g")?.protocolName == "range")
        _ = s.sync(SyncGroupParameters(groupID: "g", generationID: 2, memberID: b), id: s.request())
        _ = s.sync(SyncGroupParameters(groupID: "g", generationID: 2, memberID: a, assignments: []), id: s.request())
        #expect(s.shard.group("g")?.state == .stable)

        // Round 2: after revoking, b rejoins at once, during which a is asked to rejoin too.
        let joinB2 = s.request()
        _ = s.join(
            Script.joinParameters(
                member: b, client: "b", protocols: owned(2) + [GroupProtocol(name: "range", metadata: metadata)]),
            id: joinB2)
        // b retries its join while the rebalance is still preparing: the newer request replaces the older.
        let joinB3 = s.request()
        #expect(
            s.join(
                Script.joinParameters(
                    member: b, client: "b", protocols: owned(2) + [GroupProtocol(name: "range", metadata: metadata)]),
                id: joinB3)
                == [.respondJoin(joinB2, .failure(.rebalanceInProgress, memberID: b))])
        #expect(s.heartbeat(a, generation: 2).heartbeatError == .rebalanceInProgress)
        let joinA2 = s.request()
        let round2 = s.join(Script.joinParameters(member: a, client: "a"), id: joinA2)
        #expect(round2.joinResponse(joinB3)?.generationID == 3)
        #expect(round2.joinResponse(joinA2)?.leader == a)
    }

    @Test func followerRejoiningAStableGroupWithSameMetadataGetsTheCurrentGeneration() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"])
        let rejoin = s.request()
        #expect(
            s.join(Script.joinParameters(member: ids[1], client: "b"), id: rejoin) == [
                .respondJoin(
                    rejoin,
                    JoinGroupResult(
                        generationID: 1, protocolType: "consumer", protocolName: "range", leader: ids[0],
                        memberID: ids[1]))
            ])
        #expect(s.shard.group("g")?.state == .stable)
    }

    @Test func requestValidation() {
        var s = Script(loaded: false)
        let loading = s.request()
        #expect(
            s.join(Script.joinParameters(client: "a"), id: loading)
                == [.respondJoin(loading, .failure(.coordinatorLoadInProgress, memberID: ""))])
        _ = s.shard.completeLoad(now: s.now)
        let tooShort = s.request()
        #expect(
            s.join(Script.joinParameters(client: "a", sessionSeconds: 1), id: tooShort)
                == [.respondJoin(tooShort, .failure(.invalidSessionTimeout, memberID: ""))])
        let noGroup = s.request()
        #expect(
            s.join(Script.joinParameters(member: "ghost", client: "a"), id: noGroup)
                == [.respondJoin(noGroup, .failure(.unknownMemberID, memberID: "ghost"))])
        let emptyID = s.request()
        #expect(
            s.join(Script.joinParameters(group: "", client: "a"), id: emptyID)
                == [.respondJoin(emptyID, .failure(.invalidGroupID, memberID: ""))])
        let ids = s.stableGroup(["a"])
        let wrongGeneration = s.request()
        #expect(
            s.sync(SyncGroupParameters(groupID: "g", generationID: 7, memberID: ids[0]), id: wrongGeneration)
                == [.respondSync(wrongGeneration, .failure(.illegalGeneration))])
        let wrongProtocol = s.request()
        #expect(
            s.sync(
                SyncGroupParameters(groupID: "g", generationID: 1, memberID: ids[0], protocolName: "x"),
                id: wrongProtocol)
                == [.respondSync(wrongProtocol, .failure(.inconsistentGroupProtocol))])
    }

    @Test func pendingMemberIDExpiresUnused() {
        var s = Script()
        _ = s.join(Script.joinParameters(client: "a"), id: s.request())
        let pending = s.shard.group("g")?.pendingMembers.keys.first ?? ""
        s.advance(seconds: 10)
        #expect(s.fire(.pendingMember(groupID: "g", memberID: pending)) == [])
        let late = s.request()
        #expect(
            s.join(Script.joinParameters(member: pending, client: "a"), id: late)
                == [.respondJoin(late, .failure(.unknownMemberID, memberID: pending))])
    }

    @Test func newMemberDuringCompletingRebalanceVoidsTheGenerationForParkedSyncs() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"])
        let rejoinA = s.request()
        _ = s.join(Script.joinParameters(member: ids[0], client: "a"), id: rejoinA)
        _ = s.join(Script.joinParameters(member: ids[1], client: "b"), id: s.request())
        #expect(s.shard.group("g")?.state == .completingRebalance)
        let parked = s.request()
        #expect(s.sync(SyncGroupParameters(groupID: "g", generationID: 2, memberID: ids[1]), id: parked) == [])
        let c = s.join(Script.joinParameters(client: "c"), id: s.request()).joinResponses.first?.1.memberID ?? ""
        #expect(
            s.join(Script.joinParameters(member: c, client: "c"), id: s.request()) == [
                .cancelTimer(.pendingMember(groupID: "g", memberID: c)),
                .scheduleTimer(.heartbeat(groupID: "g", memberID: c), deadline: s.now + 300),
                .respondSync(parked, .failure(.rebalanceInProgress)),
                .scheduleTimer(.heartbeat(groupID: "g", memberID: ids[1]), deadline: s.now + 10),
                .cancelTimer(.sync(groupID: "g")),
                .scheduleTimer(.join(groupID: "g"), deadline: s.now + 30),
            ])
        #expect(s.shard.group("g")?.state == .preparingRebalance)
    }

    @Test func memberExpiringInAStableGroupCancelsTheOpenSyncDeadline() {
        var s = Script()
        let ids = s.stableGroup(["a", "b", "c"])
        _ = s.join(Script.joinParameters(member: ids[0], client: "a"), id: s.request())
        _ = s.join(Script.joinParameters(member: ids[1], client: "b"), id: s.request())
        _ = s.join(Script.joinParameters(member: ids[2], client: "c"), id: s.request())
        _ = s.sync(
            SyncGroupParameters(groupID: "g", generationID: 2, memberID: ids[0], assignments: []), id: s.request())
        // Stable, but b and c have not synced yet; c then leaves.
        #expect(s.shard.group("g")?.state == .stable)
        let left = s.leave([LeavingMember(memberID: ids[2])])
        #expect(left.contains(.cancelTimer(.sync(groupID: "g"))))
        s.advance(seconds: 30)
        // The old sync deadline is void: nothing is dropped by it during the new join phase.
        #expect(s.fire(.sync(groupID: "g")) == [])
    }

    @Test func aNewMemberParkedPastTheNewMemberTimeoutIsDropped() {
        var s = Script()
        let a = s.stableGroup(["a"])[0]
        let b = s.join(Script.joinParameters(client: "b"), id: s.request()).joinResponses.first?.1.memberID ?? ""
        let parked = s.request()
        _ = s.join(Script.joinParameters(member: b, client: "b", rebalanceSeconds: 600), id: parked)
        // a keeps heartbeating but never rejoins, so the join phase runs for the 600 s rebalance timeout.
        for _ in 0..<30 {
            s.advance(seconds: 10)
            #expect(s.heartbeat(a, generation: 1).heartbeatError == .rebalanceInProgress)
        }
        #expect(
            s.fire(.heartbeat(groupID: "g", memberID: b)) == [
                .respondJoin(parked, .failure(.unknownMemberID, memberID: "")),
                .cancelTimer(.heartbeat(groupID: "g", memberID: b)),
            ])
        #expect(s.shard.group("g")?.members.map(\.memberID) == [a])
    }

    @Test func restartedStaticLeaderOnV9IsToldToSkipTheAssignment() {
        var s = Script()
        let ids = s.stableGroup(["a", "b"], instances: ["instance-a", nil])
        let a2 = s.expectedMemberID("a")
        var parameters = Script.joinParameters(instance: "instance-a", client: "a")
        parameters.supportsSkippingAssignment = true
        let rejoin = s.request()
        #expect(
            s.join(parameters, id: rejoin).joinResponse(rejoin)
                == JoinGroupResult(
                    generationID: 1, protocolType: "consumer", protocolName: "range", leader: a2,
                    skipAssignment: true, memberID: a2,
                    members: [
                        .init(memberID: a2, groupInstanceID: "instance-a", metadata: metadata),
                        .init(memberID: ids[1], groupInstanceID: nil, metadata: metadata),
                    ]))
        #expect(s.shard.group("g")?.state == .stable)
    }
}
