import PetrelProtocol

/// A classic (pre-KIP-848) consumer group as a plain value: membership, generation, selected protocol and
/// the rebalance in progress, driven by `join`, `sync`, `heartbeat`, `leave` and `timerFired`, each taking
/// `now` and returning the actions its driver must run. No I/O, clock or logging inside.
///
/// States (Kafka's `ClassicGroupState`):
/// ```
/// Empty ──join──▶ PreparingRebalance ──join phase ends──▶ CompletingRebalance ──leader syncs──▶ Stable
///   ▲                 ▲      │ (no members left)                  │ member joins/leaves/expires    │
///   └─────────────────┼──────┘                                    ▼                                │
///                     └───────────────────────────────────────────┴────────────────────────────────┘
/// ```
/// Dead is only reported for groups that do not exist; the shard drops a deleted group instead.
///
/// The join phase ends when every known member has rejoined (and no KIP-394 member id is pending), or at
/// the rebalance timeout (the largest `rebalanceTimeout` of the members), when dynamic members that did not
/// rejoin are dropped. The first rebalance of an empty group instead waits `group.initial.rebalance.delay.ms`,
/// again each time a new member arrives, bounded by the rebalance timeout.
public struct ClassicGroup: Hashable, Sendable {
    public enum State: String, Hashable, Sendable, CaseIterable {
        case empty = "Empty"
        case preparingRebalance = "PreparingRebalance"
        case completingRebalance = "CompletingRebalance"
        case stable = "Stable"
        case dead = "Dead"
    }

    enum JoinPhase: Hashable, Sendable {
        /// The first rebalance of an empty group; `remaining` is what is left of the rebalance timeout.
        case initialDelay(deadline: CoordinatorInstant, remaining: Duration)
        case rebalance(deadline: CoordinatorInstant)

        var deadline: CoordinatorInstant {
            switch self {
            case .initialDelay(let deadline, _), .rebalance(let deadline): deadline
            }
        }
    }

    public let groupID: String
    public internal(set) var state: State = .empty
    public internal(set) var generationID: Int32 = 0
    /// Set by the first member ever to join ("consumer" for Kafka consumers).
    public internal(set) var protocolType: String?
    /// The protocol chosen for the current generation.
    public internal(set) var protocolName: String?
    public internal(set) var leaderID: String?
    public internal(set) var members = MemberList()
    /// When the group last changed state; offsets of an Empty group expire relative to it.
    public internal(set) var currentStateTimestamp: CoordinatorInstant?

    let config: GroupCoordinatorConfig
    /// Member ids handed out with MEMBER_ID_REQUIRED, with the deadline to rejoin by.
    var pendingMembers: [String: CoordinatorInstant] = [:]
    /// Members of the current generation that have not sent SyncGroup yet.
    var pendingSyncMembers: Set<String> = []
    var joinPhase: JoinPhase?
    var syncDeadline: CoordinatorInstant?
    /// A member arrived during the initial delay, so the delay is extended once more.
    var newMemberAdded = false

    init(groupID: String, config: GroupCoordinatorConfig) {
        self.groupID = groupID
        self.config = config
    }

    /// Rebuilds a group from its persisted image: Stable with its members and assignments, or Empty.
    init(groupID: String, loading snapshot: GroupMetadataSnapshot, config: GroupCoordinatorConfig) {
        self.groupID = groupID
        self.config = config
        generationID = snapshot.generationID
        protocolType = snapshot.protocolType.isEmpty ? nil : snapshot.protocolType
        protocolName = snapshot.protocolName
        leaderID = snapshot.leader
        currentStateTimestamp = snapshot.currentStateTimestamp
        members = MemberList(
            snapshot.members.map {
                ClassicGroupMember(
                    loading: $0, protocolType: snapshot.protocolType, protocolName: snapshot.protocolName)
            })
        state = members.isEmpty ? .empty : .stable
    }

    /// The image persisted to `__consumer_offsets`.
    public var snapshot: GroupMetadataSnapshot {
        GroupMetadataSnapshot(
            protocolType: protocolType ?? "", generationID: generationID, protocolName: protocolName,
            leader: leaderID, currentStateTimestamp: currentStateTimestamp,
            members: members.map { member in
                GroupMetadataSnapshot.Member(
                    memberID: member.memberID, groupInstanceID: member.groupInstanceID,
                    clientID: member.clientID, clientHost: member.clientHost,
                    rebalanceTimeout: member.rebalanceTimeout, sessionTimeout: member.sessionTimeout,
                    subscription: protocolName.flatMap { member.metadata(for: $0) } ?? [],
                    assignment: member.assignment)
            })
    }

    var snapshotRecord: CoordinatorRecord { .groupMetadata(groupID: groupID, snapshot) }

    // MARK: Lookups

    func memberIndex(_ memberID: String) -> Int? {
        members.index(ofMember: memberID)
    }

    func staticMemberIndex(_ groupInstanceID: String) -> Int? {
        members.index(ofInstance: groupInstanceID)
    }

    /// Kafka's `validateMember`: a static member is known by its instance id, whose current member id must
    /// match (else it was replaced by a newer instance: FENCED_INSTANCE_ID); a dynamic one by its member id.
    func validateMember(_ memberID: String, groupInstanceID: String?) -> MemberValidation {
        if let groupInstanceID {
            guard let index = staticMemberIndex(groupInstanceID) else { return .rejected(.unknownMemberID) }
            return members[index].memberID == memberID ? .member(index) : .rejected(.fencedInstanceID)
        }
        guard let index = memberIndex(memberID) else { return .rejected(.unknownMemberID) }
        return .member(index)
    }

    enum MemberValidation {
        case member(Int)
        case rejected(KafkaErrorCode)
    }

    /// The longest rebalance timeout of the members: how long a rebalance waits for them to rejoin.
    var rebalanceTimeout: Duration {
        members.map(\.rebalanceTimeout).max() ?? .zero
    }

    /// An empty group accepts any non-empty protocol type and list; otherwise the type must match and one of
    /// the protocols must be supported by every current member.
    func supportsProtocols(type: String, _ protocols: [GroupProtocol]) -> Bool {
        if members.isEmpty { return !type.isEmpty && !protocols.isEmpty }
        guard type == protocolType else { return false }
        let common = commonProtocols
        return protocols.contains { common.contains($0.name) }
    }

    /// Protocols every member supports.
    var commonProtocols: Set<String> { members.commonProtocols }

    /// Kafka's `selectProtocol`: among protocols every member supports, each member votes for its most
    /// preferred one and the most votes win. Ties go to the earliest in the first member's preference order,
    /// so the choice does not depend on hashing.
    func selectProtocol() -> String? {
        let candidates = commonProtocols
        var votes: [String: Int] = [:]
        for member in members {
            if let vote = member.vote(among: candidates) { votes[vote, default: 0] += 1 }
        }
        let ordered = members.first?.protocols.map(\.name).filter { candidates.contains($0) } ?? []
        var best: (name: String, votes: Int)?
        for name in ordered where votes[name, default: 0] > (best?.votes ?? -1) {
            best = (name, votes[name, default: 0])
        }
        return best?.name
    }

    /// The join response for a member that completed the join phase; the leader also gets every member's
    /// metadata for the chosen protocol, to run the assignor on.
    func joinResult(for member: ClassicGroupMember, leader: String? = nil) -> JoinGroupResult {
        let leader = leader ?? leaderID ?? ""
        let isLeader = member.memberID == leader
        return JoinGroupResult(
            generationID: generationID, protocolType: protocolType, protocolName: protocolName, leader: leader,
            memberID: member.memberID,
            members: isLeader
                ? members.map { other in
                    JoinGroupResult.Member(
                        memberID: other.memberID, groupInstanceID: other.groupInstanceID,
                        metadata: protocolName.flatMap { other.metadata(for: $0) } ?? [])
                } : [])
    }
}
