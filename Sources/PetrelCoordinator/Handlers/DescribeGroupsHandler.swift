import PetrelProtocol

/// DescribeGroups v0-5 ↔ `GroupCoordinatorShard.describeGroup`, one call per requested group.
extension DescribeGroupsResponse {
    public init(_ groups: [PetrelCoordinator.DescribedGroup]) {
        self.init()
        self.groups = groups.map { group in
            var entry = DescribedGroup()
            entry.errorCode = group.errorCode.rawValue
            entry.groupID = group.groupID
            entry.groupState = group.state.rawValue
            entry.protocolType = group.protocolType
            entry.protocolData = group.protocolData
            entry.members = group.members.map { member in
                var element = DescribedGroupMember()
                element.memberID = member.memberID
                element.groupInstanceID = member.groupInstanceID
                element.clientID = member.clientID
                element.clientHost = member.clientHost
                element.memberMetadata = member.metadata
                element.memberAssignment = member.assignment
                return element
            }
            return entry
        }
    }
}
