import PetrelMetadata
import PetrelProtocol

extension BrokerServices {
    /// Replaces the overrides of topic `name` with `overrides` (validated first), committing one
    /// ConfigRecord per changed key; shared by AlterConfigs and IncrementalAlterConfigs.
    func replaceTopicConfigs(
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

    /// The error for a config resource this broker cannot alter, or nil for an existing topic.
    func alterableTopic(type: Int8, name: String) -> EntityError? {
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
