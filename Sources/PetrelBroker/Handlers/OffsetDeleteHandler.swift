import PetrelCoordinator
import PetrelProtocol

/// OffsetDelete (key 47), v0: drops a group's offsets of topics it no longer consumes, once durable.
struct OffsetDeleteHandler: ApiHandler {
    typealias Request = OffsetDeleteRequest
    let versions: ClosedRange<Int16> = 0...0
    let coordinator: GroupCoordinator

    func handle(_ request: OffsetDeleteRequest, context: RequestContext) async -> OffsetDeleteResponse? {
        guard let runner = coordinator.runner(for: request.groupID) else {
            return OffsetDeleteResponse(PartitionErrors(errorCode: .notCoordinator, topics: []))
        }
        return OffsetDeleteResponse(await runner.deleteOffsets(groupID: request.groupID, topics: request.topicPartitions))
    }
}
