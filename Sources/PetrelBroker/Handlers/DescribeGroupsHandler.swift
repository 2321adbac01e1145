import PetrelCoordinator
import PetrelProtocol

/// DescribeGroups (key 15), v0-5: each group from its shard.
struct DescribeGroupsHandler: ApiHandler {
    typealias Request = DescribeGroupsRequest
    let versions: ClosedRange<Int16> = 0...5
    let coordinator: GroupCoordinator

    func handle(_ request: DescribeGroupsRequest, context: RequestContext) async -> DescribeGroupsResponse? {
        var described: [DescribedGroup] = []
        for groupID in request.groups {
            if let runner = coordinator.runner(for: groupID) {
                described.append(await runner.describeGroup(groupID))
            } else {
                described.append(
                    DescribedGroup(
                        groupID: groupID, errorCode: .notCoordinator, state: .dead, protocolType: "", protocolData: "",
                        members: []))
            }
        }
        return DescribeGroupsResponse(described)
    }
}
