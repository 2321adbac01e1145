import PetrelCoordinator
import PetrelProtocol

/// JoinGroup (key 11), v0-9. The response usually waits for the join phase to end (other members, the
/// initial rebalance delay); the connection's later responses queue behind it.
struct JoinGroupHandler: ApiHandler {
    typealias Request = JoinGroupRequest
    let versions: ClosedRange<Int16> = 0...9
    let coordinator: GroupCoordinator

    func handle(_ request: JoinGroupRequest, context: RequestContext) async -> JoinGroupResponse? {
        let parameters = JoinGroupParameters(
            request, version: context.apiVersion, clientID: context.header.clientID ?? "",
            clientHost: context.connection.remoteAddress)
        let result =
            await coordinator.runner(for: request.groupID)?.joinGroup(parameters)
            ?? .failure(.notCoordinator, memberID: request.memberID)
        return JoinGroupResponse(result, version: context.apiVersion)
    }
}
