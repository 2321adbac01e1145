import PetrelCoordinator
import PetrelProtocol

/// OffsetCommit (key 8), v0-9: answered once the commit records are durable in `__consumer_offsets`.
struct OffsetCommitHandler: ApiHandler {
    typealias Request = OffsetCommitRequest
    let versions: ClosedRange<Int16> = 0...9
    let coordinator: GroupCoordinator

    func handle(_ request: OffsetCommitRequest, context: RequestContext) async -> OffsetCommitResponse? {
        let parameters = OffsetCommitParameters(request, version: context.apiVersion)
        let result: PartitionErrors
        if let runner = coordinator.runner(for: request.groupID) {
            result = await runner.commitOffsets(parameters)
        } else {
            result = PartitionErrors(
                topics: parameters.topics.map { topic in
                    PartitionErrors.Topic(name: topic.name, partitions: topic.partitions.map { ($0.partition, .notCoordinator) })
                })
        }
        return OffsetCommitResponse(result, version: context.apiVersion)
    }
}
