import PetrelMetadata
import PetrelProtocol

/// IncrementalAlterConfigs (key 44), v0-1: SET, DELETE, and APPEND/SUBTRACT on list configs
/// (`cleanup.policy`), applied to the topic's current effective values.
struct IncrementalAlterConfigsHandler: ApiHandler {
    typealias Request = IncrementalAlterConfigsRequest
    let versions: ClosedRange<Int16> = 0...1
    let services: BrokerServices

    enum Operation: Int8 {
        case set = 0
        case delete = 1
        case append = 2
        case subtract = 3
    }

    func handle(_ request: IncrementalAlterConfigsRequest, context: RequestContext) async -> IncrementalAlterConfigsResponse? {
        var response = IncrementalAlterConfigsResponse()
        response.responses = await services.alterTopicConfigs(request.resources, validateOnly: request.validateOnly) {
            resource, current throws(EntityError) in
            var overrides = current
            for config in resource.configs { try apply(config, to: &overrides) }
            return overrides
        }
        return response
    }

    private func apply(_ config: IncrementalAlterConfigsRequest.AlterableConfig, to overrides: inout [String: String]) throws(EntityError) {
        guard let operation = Operation(rawValue: config.configOperation) else {
            throw EntityError(.invalidRequest, "Unknown config operation \(config.configOperation)")
        }
        guard let definition = ConfigTable.topicDefinition(config.name) else {
            throw EntityError(.invalidConfig, "Unknown topic config name: \(config.name)")
        }
        switch operation {
        case .set:
            overrides[config.name] = config.value
        case .delete:
            overrides[config.name] = nil
        case .append, .subtract:
            guard definition.type == .list else {
                throw EntityError(.invalidConfig, "Config value append/subtract is not allowed for config key: \(config.name)")
            }
            let current =
                overrides[config.name] ?? services.configValues.topicDefault(config.name)?.value.wireString ?? ""
            var items = current.split(separator: ",").map(String.init)
            let given = (config.value ?? "").split(separator: ",").map(String.init)
            if operation == .append {
                items += given.filter { !items.contains($0) }
            } else {
                items.removeAll { given.contains($0) }
            }
            overrides[config.name] = items.joined(separator: ",")
        }
    }
}
