import PetrelProtocol

/// A timer the coordinator asks its driver to run. Scheduling an id that is already scheduled moves it.
///
/// Stale fires are harmless: every handler re-checks its own deadline against `now`, so a driver may skip
/// `.cancelTimer` or deliver a fire late.
public enum CoordinatorTimer: Hashable, Sendable {
    /// `session.timeout.ms` of one member.
    case heartbeat(groupID: String, memberID: String)
    /// A member id handed out with MEMBER_ID_REQUIRED that was never used to rejoin (KIP-394).
    case pendingMember(groupID: String, memberID: String)
    /// End of the join phase: `group.initial.rebalance.delay.ms` or the rebalance timeout.
    case join(groupID: String)
    /// Members that got their JoinGroup response but never sent SyncGroup within the rebalance timeout.
    case sync(groupID: String)
    /// `offsets.retention.check.interval.ms`.
    case offsetExpiration
}

/// What the coordinator asks its driver to do. Actions carry ids, never promises, so they compare equal.
public indirect enum CoordinatorAction: Hashable, Sendable {
    case respondJoin(RequestID, JoinGroupResult)
    case respondSync(RequestID, SyncGroupResult)
    case respondHeartbeat(RequestID, KafkaErrorCode)
    case respondLeave(RequestID, LeaveGroupResult)
    case scheduleTimer(CoordinatorTimer, deadline: CoordinatorInstant)
    case cancelTimer(CoordinatorTimer)
    /// Append `records` to the shard's `__consumer_offsets` partition, then run `then` (responses) once they
    /// are durable. If the append fails, answer each of them with `failed(with:)` instead.
    case appendRecords([CoordinatorRecord], then: [CoordinatorAction])

    /// The same response carrying `errorCode`, for when the records it waited on could not be written
    /// (Kafka maps the append error: NOT_COORDINATOR when leadership moved, else COORDINATOR_NOT_AVAILABLE).
    public func failed(with errorCode: KafkaErrorCode) -> CoordinatorAction {
        switch self {
        case .respondJoin(let id, let result):
            return .respondJoin(id, .failure(errorCode, memberID: result.memberID))
        case .respondSync(let id, _):
            return .respondSync(id, .failure(errorCode))
        case .respondHeartbeat(let id, _):
            return .respondHeartbeat(id, errorCode)
        case .respondLeave(let id, let result):
            return .respondLeave(id, LeaveGroupResult(errorCode: errorCode, members: result.members))
        case .scheduleTimer, .cancelTimer, .appendRecords:
            return self
        }
    }
}
