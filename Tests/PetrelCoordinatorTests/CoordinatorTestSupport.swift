import PetrelProtocol

@testable import PetrelCoordinator

let t0 = CoordinatorInstant(millisecondsSinceEpoch: 1_700_000_000_000)

extension CoordinatorInstant {
    static func + (lhs: CoordinatorInstant, seconds: Int) -> CoordinatorInstant { lhs + .seconds(seconds) }
}

/// `ConsumerProtocolSubscription` v0: int16 version, topics as int16-length strings, null user data.
func subscription(_ topics: [String], userData: [UInt8]? = nil) -> [UInt8] {
    var bytes: [UInt8] = [0, 0]
    bytes += withUnsafeBytes(of: Int32(topics.count).bigEndian, Array.init)
    for topic in topics {
        bytes += withUnsafeBytes(of: Int16(topic.utf8.count).bigEndian, Array.init)
        bytes += Array(topic.utf8)
    }
    if let userData {
        bytes += withUnsafeBytes(of: Int32(userData.count).bigEndian, Array.init) + userData
    } else {
        bytes += [0xFF, 0xFF, 0xFF, 0xFF]
    }
    return bytes
}

/// Drives one shard through an event script: owns the clock, request ids, and the records appended so far,
/// and predicts the member ids the shard will hand out (same seed).
struct Script {
    static let seed: UInt64 = 0x5EED
    var shard: GroupCoordinatorShard
    var now = t0
    var nextRequest: UInt64 = 0
    /// Every record the shard asked to append or returned, in order: what a reload must reproduce.
    var log: [CoordinatorRecord] = []
    private var ids = MemberIDGenerator(seed: Script.seed)

    init(config: GroupCoordinatorConfig = Script.config, loaded: Bool = true) {
        shard = GroupCoordinatorShard(partition: 12, config: config, memberIDSeed: Script.seed)
        if loaded { _ = shard.completeLoad(now: now) }
    }

    static var config: GroupCoordinatorConfig {
        var config = GroupCoordinatorConfig()
        config.initialRebalanceDelay = .seconds(3)
        return config
    }

    /// The id the shard will give the next member of `clientID` that joins without one.
    func expectedMemberID(_ clientID: String) -> String {
        var copy = ids
        return copy.next(clientID: clientID)
    }

    mutating func advance(seconds: Int) { now = now + seconds }

    mutating func request() -> RequestID {
        nextRequest += 1
        return RequestID(nextRequest)
    }

    static func joinParameters(
        group: String = "g", member: String = "", instance: String? = nil, client: String,
        protocols: [GroupProtocol] = [GroupProtocol(name: "range", metadata: subscription(["t1"]))],
        sessionSeconds: Int = 10, rebalanceSeconds: Int = 30
    ) -> JoinGroupParameters {
        JoinGroupParameters(
            groupID: group, memberID: member, groupInstanceID: instance, clientID: client, clientHost: "/127.0.0.1",
            sessionTimeout: .seconds(sessionSeconds), rebalanceTimeout: .seconds(rebalanceSeconds),
            protocolType: "consumer", protocols: protocols)
    }

    mutating func join(_ parameters: JoinGroupParameters, id: RequestID) -> [CoordinatorAction] {
        if parameters.memberID.isEmpty { _ = ids.next(clientID: parameters.clientID) }
        return record(shard.joinGroup(parameters, requestID: id, now: now))
    }

    mutating func sync(_ parameters: SyncGroupParameters, id: RequestID) -> [CoordinatorAction] {
        record(shard.syncGroup(parameters, requestID: id, now: now))
    }

    mutating func heartbeat(_ member: String, generation: Int32, instance: String? = nil, group: String = "g")
        -> [CoordinatorAction]
    {
        let parameters = HeartbeatParameters(
            groupID: group, generationID: generation, memberID: member, groupInstanceID: instance)
        return record(shard.heartbeat(parameters, requestID: request(), now: now))
    }

    mutating func leave(_ members: [LeavingMember], group: String = "g") -> [CoordinatorAction] {
        record(shard.leaveGroup(groupID: group, members: members, requestID: request(), now: now))
    }

    mutating func fire(_ timer: CoordinatorTimer) -> [CoordinatorAction] {
        record(shard.timerFired(timer, now: now))
    }

    mutating func commit(_ parameters: OffsetCommitParameters) -> PartitionErrors {
        let result = shard.commitOffsets(parameters, now: now)
        log += result.records
        return result.response
    }

    mutating func record(_ actions: [CoordinatorAction]) -> [CoordinatorAction] {
        log += actions.appendedRecords
        return actions
    }

    /// Joins `clients` (static when `instances[i]` is set, else dynamic with the member-id handshake), runs
    /// the initial delay out and has the leader assign `assignments[i]` (default: the member id's bytes) to
    /// the i-th member. Returns the member ids in join order.
    mutating func stableGroup(
        _ clients: [String], instances: [String?]? = nil, protocols: [[GroupProtocol]]? = nil, group: String = "g",
        assignments: [[UInt8]]? = nil
    ) -> [String] {
        var memberIDs: [String] = []
        for (index, client) in clients.enumerated() {
            let instance = instances?[index]
            let offered = protocols?[index] ?? [GroupProtocol(name: "range", metadata: subscription(["t1"]))]
            let first = join(
                Script.joinParameters(group: group, instance: instance, client: client, protocols: offered),
                id: request())
            // A dynamic member learns its id from MEMBER_ID_REQUIRED; a static one is parked under a new id.
            let memberID =
                instance == nil
                ? first.joinResponses.first?.1.memberID ?? "" : shard.group(group)?.members.last?.memberID ?? ""
            memberIDs.append(memberID)
            if instance == nil {
                _ = join(
                    Script.joinParameters(group: group, member: memberID, client: client, protocols: offered),
                    id: request())
            }
        }
        let generation = shard.group(group)?.generationID ?? 0
        for _ in 0..<20 where shard.group(group)?.generationID == generation {
            advance(seconds: 3)
            _ = fire(.join(groupID: group))
        }
        precondition(shard.group(group)?.generationID == generation + 1, "join phase did not complete")
        let leader = shard.group(group)?.leaderID ?? ""
        let assigned = zip(memberIDs, assignments ?? memberIDs.map { Array($0.utf8) }).map {
            SyncGroupParameters.Assignment(memberID: $0, assignment: $1)
        }
        for (index, memberID) in memberIDs.enumerated() where memberID != leader {
            _ = sync(
                SyncGroupParameters(
                    groupID: group, generationID: generation + 1, memberID: memberID,
                    groupInstanceID: instances?[index]),
                id: request())
        }
        let leaderInstance = memberIDs.firstIndex(of: leader).flatMap { instances?[$0] }
        _ = sync(
            SyncGroupParameters(
                groupID: group, generationID: generation + 1, memberID: leader, groupInstanceID: leaderInstance,
                assignments: assigned),
            id: request())
        precondition(shard.group(group)?.state == .stable, "group did not stabilise")
        return memberIDs
    }
}

extension [CoordinatorAction] {
    /// Responses and records, with those deferred behind `.appendRecords` flattened in.
    var flattened: [CoordinatorAction] {
        flatMap { action -> [CoordinatorAction] in
            if case .appendRecords(_, let then) = action { return [action] + then }
            return [action]
        }
    }

    var joinResponses: [(RequestID, JoinGroupResult)] {
        flattened.compactMap { if case .respondJoin(let id, let result) = $0 { (id, result) } else { nil } }
    }

    var syncResponses: [(RequestID, SyncGroupResult)] {
        flattened.compactMap { if case .respondSync(let id, let result) = $0 { (id, result) } else { nil } }
    }

    func joinResponse(_ id: RequestID) -> JoinGroupResult? {
        joinResponses.first { $0.0 == id }?.1
    }

    func syncResponse(_ id: RequestID) -> SyncGroupResult? {
        syncResponses.first { $0.0 == id }?.1
    }

    var heartbeatError: KafkaErrorCode? {
        flattened.lazy.compactMap { if case .respondHeartbeat(_, let error) = $0 { error } else { nil } }.first
    }

    var appendedRecords: [CoordinatorRecord] {
        flatMap { action -> [CoordinatorRecord] in
            if case .appendRecords(let records, _) = action { return records }
            return []
        }
    }
}
