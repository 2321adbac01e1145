import PetrelProtocol

/// The group coordinator for one `__consumer_offsets` partition: every classic group that hashes to it
/// (see `GroupCoordinatorPartitioner`) and their committed offsets.
///
/// Lifecycle: created when this broker becomes leader of the partition, in the loading state, where every
/// operation answers COORDINATOR_LOAD_IN_PROGRESS. The driver reads the partition from its start and feeds
/// each record to `replay(_:)`, then calls `completeLoad(now:)`. When leadership moves it runs `unload()`
/// and drops the shard.
///
/// Like Kafka's `CoordinatorShard`, offset and deletion operations produce records and change state only by
/// replaying them, so serving a request and loading the log share one path; their responses must wait
/// until the records are durable. Classic group membership changes in memory as it does in Kafka (its
/// `replayRecords = false`): the group machine emits its persisted image, and replaying that image only
/// builds a group while loading. If an append fails, the driver should drop and reload the shard: the
/// in-memory state is ahead of the log.
public struct GroupCoordinatorShard: Sendable {
    public let partition: Int32
    public let config: GroupCoordinatorConfig
    public private(set) var isLoading = true
    var groups: [String: ClassicGroup] = [:]
    var offsets: [String: [TopicPartition: CommittedOffset]] = [:]
    private var memberIDs: MemberIDGenerator

    /// `memberIDSeed` seeds the member ids this shard hands out; the broker passes a random value.
    public init(partition: Int32, config: GroupCoordinatorConfig = GroupCoordinatorConfig(), memberIDSeed: UInt64) {
        self.partition = partition
        self.config = config
        self.memberIDs = MemberIDGenerator(seed: memberIDSeed)
    }

    /// The group, if it has membership state (offset-only groups have none).
    public func group(_ groupID: String) -> ClassicGroup? { groups[groupID] }

    // MARK: Loading and replay

    /// Applies one record of the partition, while loading and for records this shard produced.
    public mutating func replay(_ record: CoordinatorRecord) {
        switch record {
        case .offsetCommit(let groupID, let topic, let partition, let committed?):
            offsets[groupID, default: [:]][TopicPartition(topic: topic, partition: partition)] = committed
        case .offsetCommit(let groupID, let topic, let partition, nil):
            offsets[groupID]?[TopicPartition(topic: topic, partition: partition)] = nil
            if offsets[groupID]?.isEmpty == true { offsets[groupID] = nil }
        case .groupMetadata(let groupID, let snapshot?):
            if isLoading || groups[groupID] == nil {
                groups[groupID] = ClassicGroup(groupID: groupID, loading: snapshot, config: config)
            }
        case .groupMetadata(let groupID, nil):
            groups[groupID] = nil
        }
    }

    /// Ends loading: members of loaded groups get a fresh session, and offset expiry starts.
    public mutating func completeLoad(now: CoordinatorInstant) -> [CoordinatorAction] {
        isLoading = false
        var actions: [CoordinatorAction] = []
        for groupID in groups.keys.sorted() {
            if let loaded = groups[groupID]?.loadCompleted(now: now) { actions += loaded }
        }
        actions.append(.scheduleTimer(.offsetExpiration, deadline: now + config.offsetsRetentionCheckInterval))
        return actions
    }

    /// This broker no longer leads the partition: answers every parked JoinGroup/SyncGroup with
    /// NOT_COORDINATOR and cancels every timer. The shard is dropped afterwards; a new leader loads its own.
    public mutating func unload() -> [CoordinatorAction] {
        var actions: [CoordinatorAction] = []
        for groupID in groups.keys.sorted() {
            if let unloaded = groups[groupID]?.unload() { actions += unloaded }
        }
        actions.append(.cancelTimer(.offsetExpiration))
        groups = [:]
        offsets = [:]
        isLoading = true
        return actions
    }

    // MARK: Group membership

    /// JoinGroup. The response arrives as a `.respondJoin` action, now or from a later event.
    public mutating func joinGroup(
        _ request: JoinGroupParameters, requestID: RequestID, now: CoordinatorInstant
    ) -> [CoordinatorAction] {
        let failure: KafkaErrorCode? =
            if isLoading {
                .coordinatorLoadInProgress
            } else if request.groupID.isEmpty {
                .invalidGroupID
            } else if request.sessionTimeout < config.sessionTimeoutMin
                || request.sessionTimeout > config.sessionTimeoutMax
            {
                .invalidSessionTimeout
            } else if groups[request.groupID] == nil && !request.memberID.isEmpty {
                .unknownMemberID
            } else {
                nil
            }
        if let failure { return [.respondJoin(requestID, .failure(failure, memberID: request.memberID))] }
        let newMemberID = request.memberID.isEmpty ? memberIDs.next(clientID: request.clientID) : ""
        var group =
            groups.removeValue(forKey: request.groupID)
            ?? ClassicGroup(groupID: request.groupID, config: config)
        let actions = group.join(request, requestID: requestID, newMemberID: newMemberID, now: now)
        // A refused first join leaves nothing worth keeping; don't let bad joins pile up empty groups.
        let pristine =
            group.state == .empty && group.generationID == 0 && group.members.isEmpty && group.pendingMembers.isEmpty
        if !pristine { groups[request.groupID] = group }
        return actions
    }

    /// SyncGroup. The response arrives as a `.respondSync` action, possibly inside `.appendRecords`.
    /// While loading, the rebalance in progress is lost: REBALANCE_IN_PROGRESS sends the member back to
    /// JoinGroup (Kafka's answer; older clients do not expect COORDINATOR_LOAD_IN_PROGRESS here).
    public mutating func syncGroup(
        _ request: SyncGroupParameters, requestID: RequestID, now: CoordinatorInstant
    ) -> [CoordinatorAction] {
        let missing: KafkaErrorCode = isLoading ? .rebalanceInProgress : .unknownMemberID
        return withGroup(request.groupID, ifMissing: [.respondSync(requestID, .failure(missing))]) {
            $0.sync(request, requestID: requestID, now: now)
        }
    }

    /// Heartbeat. While loading, members are told all is well (Kafka's answer), so a coordinator move
    /// does not make a stable group rebalance.
    public mutating func heartbeat(
        _ request: HeartbeatParameters, requestID: RequestID, now: CoordinatorInstant
    ) -> [CoordinatorAction] {
        let missing: KafkaErrorCode = isLoading ? .none : .unknownMemberID
        return withGroup(request.groupID, ifMissing: [.respondHeartbeat(requestID, missing)]) {
            $0.heartbeat(request, requestID: requestID, now: now)
        }
    }

    /// LeaveGroup. For a group that does not exist each member gets UNKNOWN_MEMBER_ID (Kafka's answer); while
    /// loading, the whole request gets COORDINATOR_LOAD_IN_PROGRESS.
    public mutating func leaveGroup(
        groupID: String, members: [LeavingMember], requestID: RequestID, now: CoordinatorInstant
    ) -> [CoordinatorAction] {
        let unknown =
            isLoading
            ? LeaveGroupResult(errorCode: .coordinatorLoadInProgress, members: [])
            : LeaveGroupResult(
                members: members.map {
                    LeaveGroupResult.Member(
                        memberID: $0.memberID, groupInstanceID: $0.groupInstanceID, errorCode: .unknownMemberID)
                })
        return withGroup(groupID, ifMissing: [.respondLeave(requestID, unknown)]) {
            $0.leave(members, requestID: requestID, now: now)
        }
    }

    /// A timer this shard scheduled fired.
    public mutating func timerFired(_ timer: CoordinatorTimer, now: CoordinatorInstant) -> [CoordinatorAction] {
        guard !isLoading else { return [] }
        switch timer {
        case .offsetExpiration:
            var actions: [CoordinatorAction] = []
            let records = expireOffsets(now: now)
            if !records.isEmpty { actions.append(.appendRecords(records, then: [])) }
            actions.append(.scheduleTimer(.offsetExpiration, deadline: now + config.offsetsRetentionCheckInterval))
            return actions
        case .heartbeat(let groupID, _), .pendingMember(let groupID, _), .join(let groupID), .sync(let groupID):
            return withGroup(groupID, ifMissing: []) { $0.timerFired(timer, now: now) }
        }
    }

    /// Runs `body` on the group in place (taken out of the dictionary so it is not copied).
    private mutating func withGroup(
        _ groupID: String, ifMissing: [CoordinatorAction], _ body: (inout ClassicGroup) -> [CoordinatorAction]
    ) -> [CoordinatorAction] {
        guard !isLoading, var group = groups.removeValue(forKey: groupID) else { return ifMissing }
        defer { groups[groupID] = group }
        return body(&group)
    }
}

/// A partition of a topic, as offsets are keyed.
public struct TopicPartition: Hashable, Sendable, Comparable {
    public var topic: String
    public var partition: Int32
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// Records to append plus the response to send once they are durable (Kafka's `CoordinatorResult`).
/// The records are already applied to the shard.
public struct CoordinatorResult<Response: Sendable>: Sendable {
    public var records: [CoordinatorRecord]
    public var response: Response

    public init(records: [CoordinatorRecord], response: Response) {
        self.records = records
        self.response = response
    }
}

extension CoordinatorResult: Equatable where Response: Equatable {}
