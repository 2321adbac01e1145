import PetrelCoordinator
import PetrelProtocol

/// LeaveGroup (key 13), v0-5 (v3+ batch members, static members by instance id).
struct LeaveGroupHandler: ApiHandler {
    typealias Request = LeaveGroupRequest
    let versions: ClosedRange<Int16> = 0...5
    let coordinator: GroupCoordinator

    func handle(_ request: LeaveGroupRequest, context: RequestContext) async -> LeaveGroupResponse? {
        let members = request.leavingMembers(version: context.apiVersion)
        let result =
            await coordinator.runner(for: request.groupID)?.leaveGroup(groupID: request.groupID, members: members)
            ?? LeaveGroupResult(errorCode: .notCoordinator, members: [])
        return LeaveGroupResponse(result, version: context.apiVersion)
    }
}
