import PetrelCoordinator
import PetrelProtocol

/// SyncGroup (key 14), v0-5. Followers wait for the leader's assignment.
struct SyncGroupHandler: ApiHandler {
    typealias Request = SyncGroupRequest
    let versions: ClosedRange<Int16> = 0...5
    let coordinator: GroupCoordinator

    func handle(_ request: SyncGroupRequest, context: RequestContext) async -> SyncGroupResponse? {
        let result =
            await coordinator.runner(for: request.groupID)?.syncGroup(SyncGroupParameters(request))
            ?? .failure(.notCoordinator)
        return SyncGroupResponse(result, version: context.apiVersion)
    }
}
