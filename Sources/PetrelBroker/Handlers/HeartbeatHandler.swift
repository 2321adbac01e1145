import PetrelCoordinator
import PetrelProtocol

/// Heartbeat (key 12), v0-4.
struct HeartbeatHandler: ApiHandler {
    typealias Request = HeartbeatRequest
    let versions: ClosedRange<Int16> = 0...4
    let coordinator: GroupCoordinator

    func handle(_ request: HeartbeatRequest, context: RequestContext) async -> HeartbeatResponse? {
        let errorCode =
            await coordinator.runner(for: request.groupID)?.heartbeat(HeartbeatParameters(request)) ?? .notCoordinator
        return HeartbeatResponse(errorCode)
    }
}
