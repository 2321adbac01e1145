import PetrelMetadata
import PetrelProtocol

/// DeleteTopics (key 20), v0-6: by name (all versions) or by topic id (v6+). The topic's metadata
/// is removed at once; its partition logs are deleted when the new image is published.
struct DeleteTopicsHandler: ApiHandler {
    typealias Request = DeleteTopicsRequest
    let versions: ClosedRange<Int16> = 0...6
    let services: BrokerServices

    func handle(_ request: DeleteTopicsRequest, context: RequestContext) async -> DeleteTopicsResponse? {
        var response = DeleteTopicsResponse()
        let targets: [(name: String?, id: Uuid)] =
            context.apiVersion >= 6 ? request.topics.map { ($0.name, $0.topicID) } : request.topicNames.map { ($0, .zero) }
        for target in targets {
            var result = DeleteTopicsResponse.DeletableTopicResult()
            result.name = target.name
            result.topicID = target.id
            let image = services.metadata.image
            guard let name = target.name ?? image.topic(id: target.id)?.name else {
                result.errorCode = KafkaErrorCode.unknownTopicID.rawValue
                response.responses.append(result)
                continue
            }
            result.name = name
            result.topicID = image.topics[name]?.id ?? target.id
            guard !InternalTopics.contains(name) else {
                result.errorCode = KafkaErrorCode.invalidTopicException.rawValue
                result.errorMessage = "Cannot delete internal topic \(name)"
                response.responses.append(result)
                continue
            }
            do {
                _ = try await services.metadata.perform { control, image throws(ControllerError) in
                    try control.deleteTopic(named: name, in: image)
                }
            } catch {
                let entity = error.entityError
                result.errorCode = entity.code.rawValue
                result.errorMessage = entity.message
            }
            response.responses.append(result)
        }
        return response
    }
}
