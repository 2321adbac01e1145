import PetrelProtocol

/// JoinGroup v0-9 ↔ `GroupCoordinatorShard.joinGroup`.
extension JoinGroupParameters {
    /// `clientID` is the request header's, `clientHost` the peer address as Kafka prints it ("/127.0.0.1").
    public init(_ request: JoinGroupRequest, version: Int16, clientID: String, clientHost: String) {
        let sessionTimeout = Duration.milliseconds(request.sessionTimeoutMs)
        self.init(
            groupID: request.groupID, memberID: request.memberID, groupInstanceID: request.groupInstanceID,
            clientID: clientID, clientHost: clientHost, sessionTimeout: sessionTimeout,
            // v0 has no rebalance timeout: Kafka waits one session timeout for members to rejoin.
            rebalanceTimeout: version >= 1 ? .milliseconds(request.rebalanceTimeoutMs) : sessionTimeout,
            protocolType: request.protocolType,
            protocols: request.protocols.map { GroupProtocol(name: $0.name, metadata: $0.metadata) },
            requireKnownMemberID: version >= 4, supportsSkippingAssignment: version >= 9)
    }
}

extension JoinGroupResponse {
    public init(_ result: JoinGroupResult, version: Int16) {
        self.init()
        errorCode = result.errorCode.rawValue
        generationID = result.generationID
        protocolType = version >= 7 ? result.protocolType : nil
        // Nullable only from v7; older clients read "" as "no protocol".
        protocolName = version >= 7 ? result.protocolName : (result.protocolName ?? "")
        leader = result.leader
        skipAssignment = version >= 9 && result.skipAssignment
        memberID = result.memberID
        members = result.members.map { member in
            var entry = JoinGroupResponseMember()
            entry.memberID = member.memberID
            entry.groupInstanceID = version >= 5 ? member.groupInstanceID : nil
            entry.metadata = member.metadata
            return entry
        }
    }
}
