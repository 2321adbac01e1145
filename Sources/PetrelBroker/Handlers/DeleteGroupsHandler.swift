import PetrelCoordinator
import PetrelProtocol

/// DeleteGroups (key 42), v0-2: groups without members lose their offsets and metadata (tombstones),
/// answered once durable.
struct DeleteGroupsHandler: ApiHandler {
    typealias Request = DeleteGroupsRequest
    let versions: ClosedRange<Int16> = 0...2
    let coordinator: GroupCoordinator

    func handle(_ request: DeleteGroupsRequest, context: RequestContext) async -> DeleteGroupsResponse? {
        var results: [(groupID: String, errorCode: KafkaErrorCode)] = []
        for groupID in request.groupsNames {
            if let runner = coordinator.runner(for: groupID) {
                results += await runner.deleteGroups([groupID])
            } else {
                results.append((groupID, .notCoordinator))
            }
        }
        return DeleteGroupsResponse(results)
    }
}
