import PetrelMetadata
import PetrelProtocol

/// DescribeConfigs (key 32), v0-4: topic configs (the topic's overrides as DYNAMIC_TOPIC_CONFIG, else the
/// broker synonym's STATIC_BROKER_CONFIG or DEFAULT_CONFIG value) and this broker's static configs, with
/// synonyms (v1+), types and documentation (v3+), all from `ConfigTable`.
struct DescribeConfigsHandler: ApiHandler {
    typealias Request = DescribeConfigsRequest
    let versions: ClosedRange<Int16> = 0...4
    let services: BrokerServices

    func handle(_ request: DescribeConfigsRequest, context: RequestContext) async -> DescribeConfigsResponse? {
        var response = DescribeConfigsResponse()
        let image = services.metadata.image
        for resource in request.resources {
            var result = DescribeConfigsResponse.DescribeConfigsResult()
            result.resourceType = resource.resourceType
            result.resourceName = resource.resourceName
            result.errorMessage = nil
            switch ConfigResource.ResourceType(rawValue: resource.resourceType) {
            case .topic:
                if image.topics[resource.resourceName] == nil {
                    result.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                    result.errorMessage = "Topic \(resource.resourceName) does not exist."
                } else {
                    result.configs = Self.topicEntries(
                        overrides: image.configs(of: ConfigResource(type: .topic, name: resource.resourceName)),
                        services: services, keys: resource.configurationKeys, includeSynonyms: request.includeSynonyms,
                        includeDocumentation: request.includeDocumentation, version: context.apiVersion)
                }
            case .broker:
                if resource.resourceName.isEmpty || resource.resourceName == String(services.nodeID) {
                    result.configs = Self.brokerEntries(
                        services: services, keys: resource.configurationKeys, includeSynonyms: request.includeSynonyms,
                        includeDocumentation: request.includeDocumentation, version: context.apiVersion)
                } else {
                    result.errorCode = KafkaErrorCode.invalidRequest.rawValue
                    result.errorMessage = "Unexpected broker id, expected \(services.nodeID) but received \(resource.resourceName)"
                }
            case nil:
                result.errorCode = KafkaErrorCode.invalidRequest.rawValue
                result.errorMessage = "Unsupported resource type \(resource.resourceType)"
            }
            response.results.append(result)
        }
        return response
    }

    /// Every topic-level key (or only `keys`) of a topic with these overrides. `isDefault` exists only
    /// in v0 (later versions carry the source instead).
    static func topicEntries(
        overrides: [String: String], services: BrokerServices, keys: [String]?, includeSynonyms: Bool,
        includeDocumentation: Bool, version: Int16
    ) -> [DescribeConfigsResponse.DescribeConfigsResourceResult] {
        ConfigTable.topic.filter { keys?.contains($0.name) ?? true }.map { definition in
            let brokerSynonyms = services.configValues.synonyms(ofTopicKey: definition.name)
            var entry = DescribeConfigsResponse.DescribeConfigsResourceResult()
            entry.name = definition.name
            entry.configType = definition.type.rawValue
            entry.documentation = includeDocumentation ? definition.documentation : nil
            var synonyms: [DescribeConfigsResponse.DescribeConfigsSynonym] = []
            if let value = overrides[definition.name] {
                entry.value = value
                entry.configSource = ConfigSource.dynamicTopicConfig.rawValue
                synonyms.append(synonym(definition.name, value, .dynamicTopicConfig))
            } else {
                let fallback = services.configValues.topicDefault(definition.name)
                entry.value = fallback?.value.wireString
                entry.configSource = (fallback?.source ?? .defaultConfig).rawValue
                entry.isDefault = version == 0 && fallback?.source != .staticBrokerConfig
            }
            synonyms += brokerSynonyms.map { synonym($0.name, $0.value.wireString, $0.source) }
            entry.synonyms = includeSynonyms ? synonyms : []
            return entry
        }
    }

    /// Every broker key (or only `keys`); all are read-only (no dynamic broker configs yet).
    static func brokerEntries(
        services: BrokerServices, keys: [String]?, includeSynonyms: Bool, includeDocumentation: Bool, version: Int16
    ) -> [DescribeConfigsResponse.DescribeConfigsResourceResult] {
        let values = services.configValues
        return ConfigTable.broker.filter { keys?.contains($0.name) ?? true }.map { definition in
            var entry = DescribeConfigsResponse.DescribeConfigsResourceResult()
            entry.name = definition.name
            entry.value = values.value(definition.name)?.wireString
            entry.readOnly = true
            let source = values.source(definition.name)
            entry.configSource = source.rawValue
            entry.isDefault = version == 0 && source == .defaultConfig
            entry.configType = definition.type.rawValue
            entry.documentation = includeDocumentation ? definition.documentation : nil
            if includeSynonyms {
                if let explicit = values.explicit[definition.name] {
                    entry.synonyms.append(synonym(definition.name, explicit.wireString, .staticBrokerConfig))
                }
                if let value = definition.defaultValue {
                    entry.synonyms.append(synonym(definition.name, value.wireString, .defaultConfig))
                }
            }
            return entry
        }
    }

    private static func synonym(_ name: String, _ value: String?, _ source: ConfigSource) -> DescribeConfigsResponse.DescribeConfigsSynonym {
        var synonym = DescribeConfigsResponse.DescribeConfigsSynonym()
        synonym.name = name
        synonym.value = value
        synonym.source = source.rawValue
        return synonym
    }
}
