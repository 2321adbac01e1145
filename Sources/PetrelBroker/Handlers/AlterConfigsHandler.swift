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
        for resource in request.resources {
            var result = AlterConfigsResponse.AlterConfigsResourceResponse()
            result.resourceType = resource.resourceType
            result.resourceName = resource.resourceName
            result.errorMessage = nil
            do throws(EntityError) {
                if let error = services.alterableTopic(type: resource.resourceType, name: resource.resourceName) {
                    throw error
                }
                var overrides: [String: String] = [:]
                for config in resource.configs {
                    overrides[config.name] = config.value
                }
                try await services.replaceTopicConfigs(
                    resource.resourceName, with: overrides, validateOnly: request.validateOnly)
            } catch {
                result.errorCode = error.code.rawValue
                result.errorMessage = error.message
            }
            response.responses.append(result)
        }
        return response
    }
}
