import PetrelMetadata
import PetrelProtocol

/// CreatePartitions (key 37), v0-3: grows a topic to `count` partitions, with optional assignments.
struct CreatePartitionsHandler: ApiHandler {
    typealias Request = CreatePartitionsRequest
    let versions: ClosedRange<Int16> = 0...3
    let services: BrokerServices

    func handle(_ request: CreatePartitionsRequest, context: RequestContext) async -> CreatePartitionsResponse? {
        var response = CreatePartitionsResponse()
        for topic in request.topics {
            var result = CreatePartitionsResponse.CreatePartitionsTopicResult()
            result.name = topic.name
            do {
                _ = try await services.metadata.perform(validateOnly: request.validateOnly) {
                    control, image throws(ControllerError) in
                    try control.createPartitions(
                        topic: topic.name, totalCount: topic.count,
                        assignments: (topic.assignments ?? []).map(\.brokerIDs), in: image)
                }
            } catch {
                let entity = error.entityError
                result.errorCode = entity.code.rawValue
                result.errorMessage = entity.message
            }
            response.results.append(result)
        }
        return response
    }
}
