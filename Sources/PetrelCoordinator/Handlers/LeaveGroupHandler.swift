import PetrelProtocol

/// LeaveGroup v0-5 ↔ `GroupCoordinatorShard.leaveGroup`. v0-2 name one member by id; v3+ batch members,
/// which may be static members named by instance id alone.
extension LeaveGroupRequest {
    public func leavingMembers(version: Int16) -> [LeavingMember] {
        guard version >= 3 else { return [LeavingMember(memberID: memberID)] }
        return members.map { LeavingMember(memberID: $0.memberID, groupInstanceID: $0.groupInstanceID) }
    }
}

extension LeaveGroupResponse {
    public init(_ result: LeaveGroupResult, version: Int16) {
        self.init()
        if version >= 3 {
            errorCode = result.errorCode.rawValue
            members = result.members.map { member in
                var entry = MemberResponse()
                entry.memberID = member.memberID
                entry.groupInstanceID = member.groupInstanceID
                entry.errorCode = member.errorCode.rawValue
                return entry
            }
        } else {
            // One member only: its error is the response's (Kafka's `LeaveGroupResponse.error()`).
            let memberError = result.members.first { $0.errorCode != .none }?.errorCode ?? .none
            errorCode = (result.errorCode != .none ? result.errorCode : memberError).rawValue
        }
    }
}
