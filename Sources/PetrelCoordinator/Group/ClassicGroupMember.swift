/// One member of a classic group, with the requests it is parked on.
public struct ClassicGroupMember: Hashable, Sendable {
    public internal(set) var memberID: String
    public let groupInstanceID: String?
    public internal(set) var clientID: String
    public internal(set) var clientHost: String
    public internal(set) var rebalanceTimeout: Duration
    public internal(set) var sessionTimeout: Duration
    public internal(set) var protocolType: String
    /// In the member's order of preference.
    public internal(set) var protocols: [GroupProtocol]
    /// The leader's assignment for this member in the current generation.
    public internal(set) var assignment: [UInt8]

    /// A JoinGroup waiting for the join phase to end.
    var awaitingJoin: RequestID?
    /// A SyncGroup waiting for the leader's assignment.
    var awaitingSync: RequestID?
    /// Joined a group that has never been stable; its heartbeat deadline is `newMemberJoinTimeout`.
    var isNew = false
    var heartbeatDeadline: CoordinatorInstant

    init(
        memberID: String, joining request: JoinGroupParameters, assignment: [UInt8] = [],
        heartbeatDeadline: CoordinatorInstant
    ) {
        self.memberID = memberID
        self.groupInstanceID = request.groupInstanceID
        self.clientID = request.clientID
        self.clientHost = request.clientHost
        self.rebalanceTimeout = request.rebalanceTimeout
        self.sessionTimeout = request.sessionTimeout
        self.protocolType = request.protocolType
        self.protocols = request.protocols
        self.assignment = assignment
        self.heartbeatDeadline = heartbeatDeadline
    }

    init(loading member: GroupMetadataSnapshot.Member, protocolType: String, protocolName: String?) {
        memberID = member.memberID
        groupInstanceID = member.groupInstanceID
        clientID = member.clientID
        clientHost = member.clientHost
        rebalanceTimeout = member.rebalanceTimeout
        sessionTimeout = member.sessionTimeout
        self.protocolType = protocolType
        protocols = protocolName.map { [GroupProtocol(name: $0, metadata: member.subscription)] } ?? []
        assignment = member.assignment
        heartbeatDeadline = CoordinatorInstant(millisecondsSinceEpoch: .max)
    }

    /// The metadata this member sent for `protocolName`, nil when it does not support it.
    public func metadata(for protocolName: String) -> [UInt8]? {
        protocols.first { $0.name == protocolName }?.metadata
    }

    /// The member's vote among `candidates`: its most preferred protocol that every member supports.
    func vote(among candidates: Set<String>) -> String? {
        protocols.first { candidates.contains($0.name) }?.name
    }
}
