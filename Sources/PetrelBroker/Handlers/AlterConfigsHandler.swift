import PetrelMetadata
import PetrelProtocol

/// AlterConfigs (key 33), v0-2: replaces a topic's whole set of overrides (keys not given return to
/// their defaults), as Kafka's legacy API does.
struct AlterConfigsHandler: ApiHandler {
    typealias Request = AlterConfigsRequest
    let versions: ClosedRange<Int16> = 0...2
    let services: BrokerServices

    func handle(_ request: AlterConfigsRequest, context: RequestContext) async -> AlterConfigsResponse? {
        var response = AlterConfigsResponse()
        response.responses = await services.alterTopicConfigs(request.resources, validateOnly: request.validateOnly) {
            resource, _ in
            var overrides: [String: String] = [:]  // keys not given return to their defaults
            for config in resource.configs { overrides[config.name] = config.value }
            return overrides
        }
        return response
    }
}
