import PetrelCoordinator
import PetrelProtocol

/// ListGroups (key 16), v0-5: the groups of every shard; COORDINATOR_LOAD_IN_PROGRESS while any loads.
struct ListGroupsHandler: ApiHandler {
    typealias Request = ListGroupsRequest
    let versions: ClosedRange<Int16> = 0...5
    let coordinator: GroupCoordinator

    func handle(_ request: ListGroupsRequest, context: RequestContext) async -> ListGroupsResponse? {
        var groups: [ListedGroup] = []
        var loading = false
        for runner in coordinator.allRunners {
            if let listed = await runner.listGroups(statesFilter: request.statesFilter, typesFilter: request.typesFilter) {
                groups += listed
            } else {
                loading = true
            }
        }
        return ListGroupsResponse(groups, errorCode: loading ? .coordinatorLoadInProgress : .none)
    }
}
