import PetrelMetadata
import PetrelProtocol

extension BrokerServices {
    /// Replaces the overrides of topic `name` with `overrides` (validated first), committing one
    /// ConfigRecord per changed key.
    private func replaceTopicConfigs(
        _ name: String, with overrides: [String: String], validateOnly: Bool
    ) async throws(EntityError) {
        try validateTopicConfigs(overrides)
        do {
            _ = try await metadata.perform(validateOnly: validateOnly) { control, image throws(ControllerError) in
                let resource = ConfigResource(type: .topic, name: name)
                let current = image.configs(of: resource)
                var changes: [(name: String, value: String?)] = []
                for key in Set(current.keys).union(overrides.keys).sorted() where current[key] != overrides[key] {
                    changes.append((key, overrides[key]))
                }
                return try control.alterConfigs(changes, of: resource, in: image)
            }
        } catch {
            throw error.entityError
        }
    }

    /// The resources of AlterConfigs or IncrementalAlterConfigs, one result each: checks a resource
    /// names an existing topic, builds its new full set of overrides with `overrides` (given the resource
    /// and the topic's current overrides) and stores it. The two handlers differ only in `overrides`.
    func alterTopicConfigs<Resource: AlterConfigsRequestResource, Result: AlterConfigsResponseResource>(
        _ resources: [Resource], validateOnly: Bool,
        overrides: (Resource, _ current: [String: String]) throws(EntityError) -> [String: String]
    ) async -> [Result] {
        var results: [Result] = []
        for resource in resources {
            var result = Result()
            result.resourceType = resource.resourceType
            result.resourceName = resource.resourceName
            result.errorMessage = nil
            do throws(EntityError) {
                if let error = alterableTopic(type: resource.resourceType, name: resource.resourceName) { throw error }
                let current = metadata.image.configs(of: ConfigResource(type: .topic, name: resource.resourceName))
                try await replaceTopicConfigs(
                    resource.resourceName, with: overrides(resource, current), validateOnly: validateOnly)
            } catch {
                result.errorCode = error.code.rawValue
                result.errorMessage = error.message
            }
            results.append(result)
        }
        return results
    }

    /// The error for a config resource this broker cannot alter, or nil for an existing topic.
    private func alterableTopic(type: Int8, name: String) -> EntityError? {
        switch ConfigResource.ResourceType(rawValue: type) {
        case .topic:
            metadata.image.topics[name] == nil
                ? EntityError(.unknownTopicOrPartition, "Topic \(name) does not exist.") : nil
        case .broker:
            EntityError(
                .invalidRequest, "Dynamic broker configs are not supported; set them in server.properties")
        case nil:
            EntityError(.invalidRequest, "Unsupported resource type \(type)")
        }
    }
}

/// A resource of either AlterConfigs request (the generated types share these fields).
protocol AlterConfigsRequestResource {
    var resourceType: Int8 { get }
    var resourceName: String { get }
}

extension AlterConfigsRequest.AlterConfigsResource: AlterConfigsRequestResource {}
extension IncrementalAlterConfigsRequest.AlterConfigsResource: AlterConfigsRequestResource {}

/// A resource's result in either AlterConfigs response.
protocol AlterConfigsResponseResource {
    init()
    var resourceType: Int8 { get set }
    var resourceName: String { get set }
    var errorCode: Int16 { get set }
    var errorMessage: String? { get set }
}

extension AlterConfigsResponse.AlterConfigsResourceResponse: AlterConfigsResponseResource {}
extension IncrementalAlterConfigsResponse.AlterConfigsResourceResponse: AlterConfigsResponseResource {}
