import PetrelProtocol
import Testing

@testable import PetrelCoordinator

/// Random event sequences against one shard, driven like the broker would, checking invariants after every
/// step: each request is answered at most once, and once time runs far enough, every request is answered.
@Suite struct GroupSimulationTests {
    struct Xorshift: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    struct Client {
        var name: String
        var instance: String?
        var memberID = ""
        var generation: Int32 = -1
        var leader = false
    }

    struct Driver {
        var shard: GroupCoordinatorShard
        var now = t0
        var timers: [CoordinatorTimer: CoordinatorInstant] = [:]
        var answered: [RequestID: Int] = [:]
        var outstanding: Set<RequestID> = []
        var nextID: UInt64 = 0
        var joins: [RequestID: Int] = [:]
        var clients: [Client]
        var generations: [Int32] = []
        var statesSeen: Set<ClassicGroup.State> = []
        /// Every record appended, in order, as the log would hold them.
        var log: [CoordinatorRecord] = []

        mutating func newRequest(client: Int? = nil) -> RequestID {
            nextID += 1
            let id = RequestID(nextID)
            outstanding.insert(id)
            if let client { joins[id] = client }
            return id
        }

        mutating func run(_ actions: [CoordinatorAction]) {
            for action in actions {
                switch action {
                case .respondJoin(let id, let result):
                    answer(id)
                    if let index = joins[id] {
                        if result.errorCode == .none {
                            clients[index].memberID = result.memberID
                            clients[index].generation = result.generationID
                            clients[index].leader = result.leader == result.memberID
                        } else if result.errorCode == .memberIDRequired {
                            clients[index].memberID = result.memberID
                        } else {
                            clients[index].memberID = ""
                        }
                    }
                case .respondSync(let id, _), .respondHeartbeat(let id, _), .respondLeave(let id, _):
                    answer(id)
                case .scheduleTimer(let timer, let deadline):
                    timers[timer] = deadline
                case .cancelTimer(let timer):
                    timers[timer] = nil
                case .appendRecords(let records, let then):
                    log += records
                    run(then)
                }
            }
        }

        mutating func answer(_ id: RequestID) {
            answered[id, default: 0] += 1
            outstanding.remove(id)
        }

        mutating func advance(by duration: Duration) {
            let end = now + duration
            while let (timer, deadline) = timers.filter({ $0.value <= end }).min(by: { $0.value < $1.value }) {
                timers[timer] = nil
                now = max(now, deadline)
                run(shard.timerFired(timer, now: now))
            }
            now = end
        }

        mutating func step(_ rng: inout Xorshift) {
            let index = Int.random(in: 0..<clients.count, using: &rng)
            let client = clients[index]
            // Subscriptions change now and then (a cooperative member's owned partitions do at every round).
            let metadata = subscription(["t0"], userData: Int.random(in: 0..<10, using: &rng) == 0 ? [1] : nil)
            switch Int.random(in: 0..<9, using: &rng) {
            case 0, 1, 2:
                // Mostly "range"; sometimes a second assignor, sometimes only that one (then refused or voted).
                let range = GroupProtocol(name: "range", metadata: metadata)
                let roundRobin = GroupProtocol(name: "roundrobin", metadata: metadata)
                let offered = [[range], [range], [range, roundRobin], [roundRobin, range], [roundRobin]][
                    Int.random(in: 0..<5, using: &rng)]
                var parameters = Script.joinParameters(
                    member: client.memberID, instance: client.instance, client: client.name,
                    protocols: offered,
                    sessionSeconds: 6 + Int.random(in: 0..<10, using: &rng), rebalanceSeconds: 20)
                if Int.random(in: 0..<10, using: &rng) == 0 { parameters.memberID = "" }
                let id = newRequest(client: index)
                run(shard.joinGroup(parameters, requestID: id, now: now))
            case 3, 4:
                let assignments =
                    client.leader
                    ? (shard.group("g")?.members.map {
                        SyncGroupParameters.Assignment(memberID: $0.memberID, assignment: [1])
                    } ?? [])
                    : []
                let parameters = SyncGroupParameters(
                    groupID: "g", generationID: client.generation, memberID: client.memberID,
                    groupInstanceID: client.instance, assignments: assignments)
                run(shard.syncGroup(parameters, requestID: newRequest(), now: now))
            case 5:
                let parameters = HeartbeatParameters(
                    groupID: "g", generationID: client.generation, memberID: client.memberID,
                    groupInstanceID: client.instance)
                run(shard.heartbeat(parameters, requestID: newRequest(), now: now))
            case 6 where Int.random(in: 0..<5, using: &rng) == 0:  // leaving is rarer than the rest
                let leaving = [LeavingMember(memberID: client.memberID, groupInstanceID: client.instance)]
                run(shard.leaveGroup(groupID: "g", members: leaving, requestID: newRequest(), now: now))
            case 7:
                log +=
                    shard.commitOffsets(
                        OffsetCommitParameters(
                            groupID: "g", generationID: client.generation, memberID: client.memberID,
                            groupInstanceID: client.instance,
                            topics: [.init(name: "t0", partitions: [.init(partition: 0, offset: Int64(nextID))])]),
                        now: now
                    ).records
            default:
                advance(by: .milliseconds(Int64.random(in: 0..<15_000, using: &rng)))
            }
        }

        func checkInvariants() -> [String] {
            var failures: [String] = []
            if let twice = answered.first(where: { $0.value > 1 }) { failures.append("\(twice.key) answered twice") }
            if let group = shard.group("g") {
                if let leader = group.leaderID, group.memberIndex(leader) == nil {
                    failures.append("leader \(leader) is not a member")
                }
                if !group.members.isEmpty && group.leaderID == nil { failures.append("members but no leader") }
                if [.stable, .completingRebalance].contains(group.state) && group.protocolName == nil {
                    failures.append("\(group.state) without a protocol")
                }
                if group.state == .stable && group.members.contains(where: { $0.awaitingJoin != nil }) {
                    failures.append("stable with a parked join")
                }
                if let last = generations.last, group.generationID < last { failures.append("generation went back") }
                if Set(group.members.map(\.memberID)).count != group.members.count {
                    failures.append("duplicate member ids")
                }
                // A Stable group is exactly what its last record says: a reload would restore it.
                let persisted = log.last { $0.groupID == "g" && $0.isGroupMetadata }
                if group.state == .stable && persisted != group.snapshotRecord {
                    failures.append("stable group differs from its last record")
                }
                // The member list's running counts match a recount.
                if group.members.awaitingJoinCount != group.members.count(where: { $0.awaitingJoin != nil }) {
                    failures.append("awaitingJoinCount drifted")
                }
                let recount = group.members.dropFirst().reduce(Set(group.members.first?.protocols.map(\.name) ?? [])) {
                    $0.intersection($1.protocols.map(\.name))
                }
                if group.commonProtocols != recount { failures.append("protocol support drifted") }
                for (index, member) in group.members.enumerated() where group.memberIndex(member.memberID) != index {
                    failures.append("member index of \(member.memberID) drifted")
                }
                let instances = group.members.compactMap(\.groupInstanceID)
                if Set(instances).count != instances.count { failures.append("duplicate instance ids") }
            }
            return failures
        }
    }

    @Test(arguments: 1...60 as ClosedRange<UInt64>)
    func randomScriptsKeepTheInvariants(seed: UInt64) {
        var rng = Xorshift(state: seed &* 0x9E37_79B9_7F4A_7C15 | 1)
        var driver = Driver(
            shard: GroupCoordinatorShard(partition: 0, config: Script.config, memberIDSeed: seed),
            clients: [
                Client(name: "a"), Client(name: "b"), Client(name: "c"),
                Client(name: "s1", instance: "static-1"), Client(name: "s2", instance: "static-2"),
            ])
        driver.run(driver.shard.completeLoad(now: driver.now))
        for step in 0..<400 {
            driver.step(&rng)
            let failures = driver.checkInvariants()
            #expect(failures.isEmpty, "seed \(seed) step \(step): \(failures)")
            if !failures.isEmpty { return }
            if let group = driver.shard.group("g") {
                driver.generations.append(group.generationID)
                driver.statesSeen.insert(group.state)
            } else {
                // Deleted (an Empty group whose offsets expired): a new group starts from generation 0.
                driver.generations.removeAll()
            }
        }
        // The script must have exercised the protocol (completed join phases), not just bounced off errors.
        #expect(
            driver.statesSeen.isSuperset(of: [.preparingRebalance, .completingRebalance]),
            "seed \(seed): \(driver.statesSeen)")
        var reloaded = GroupCoordinatorShard(partition: 0, config: Script.config, memberIDSeed: 0)
        driver.log.forEach { reloaded.replay($0) }
        _ = reloaded.completeLoad(now: driver.now)
        #expect(reloaded.offsets == driver.shard.offsets, "seed \(seed): offsets differ after reload")
        // Everyone goes quiet: sessions, join and sync deadlines run out and every parked request is answered.
        for _ in 0..<10 { driver.advance(by: .seconds(3600)) }
        #expect(
            driver.outstanding.isEmpty,
            "seed \(seed): unanswered \(driver.outstanding.sorted { $0.rawValue < $1.rawValue })")
        #expect(driver.shard.group("g").map { $0.members.isEmpty } ?? true, "seed \(seed): members survived silence")
    }
}

extension CoordinatorRecord {
    var isGroupMetadata: Bool {
        if case .groupMetadata = self { true } else { false }
    }
}
