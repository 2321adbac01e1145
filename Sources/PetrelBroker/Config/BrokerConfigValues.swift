/// The broker's static config as loaded: keys set in `server.properties` or by `--override`, parsed and
/// validated against `ConfigTable`, plus the table's defaults. DescribeConfigs reads sources and synonyms
/// here; `BrokerConfiguration(_:)` turns it into the typed form.
public struct BrokerConfigValues: Sendable, Equatable {
    /// Explicitly set keys, by canonical name (aliases resolved).
    public private(set) var explicit: [String: ConfigValue] = [:]
    /// Unknown keys and other non-fatal findings, one line each, for the caller to log.
    public private(set) var warnings: [String] = []

    /// Only defaults.
    public init() {}

    /// Applies `properties` (file order) then `overrides` (`key=value`), later settings winning.
    /// Unknown keys warn; a bad value throws an error naming the key.
    public init(properties: [JavaProperties.Entry], overrides: [String]) throws(ConfigError) {
        for entry in properties {
            try set(entry.key, entry.value, origin: "line \(entry.line)")
        }
        for override in overrides {
            guard let equals = override.firstIndex(of: "=") else {
                throw ConfigError(key: override, value: nil, reason: "--override expects key=value")
            }
            try set(String(override[..<equals]).trimmingWhitespace(), String(override[override.index(after: equals)...]),
                origin: "--override")
        }
    }

    private mutating func set(_ key: String, _ text: String, origin: String) throws(ConfigError) {
        guard let definition = ConfigTable.brokerDefinition(key) else {
            warnings.append("unknown configuration \(key) (\(origin)) is ignored")
            return
        }
        explicit[definition.name] = try definition.parse(text)
    }

    /// The effective value of a broker key: set explicitly, else its default (nil is Kafka's null).
    public func value(_ name: String) -> ConfigValue? {
        explicit[name] ?? Self.definition(name).defaultValue
    }

    public func source(_ name: String) -> ConfigSource {
        explicit[name] == nil ? .defaultConfig : .staticBrokerConfig
    }

    /// A broker synonym's contribution to a topic key, in the topic key's unit; nil when unset.
    public struct SynonymValue: Equatable, Sendable {
        public var name: String
        public var value: ConfigValue
        public var source: ConfigSource
    }

    /// The broker synonyms of `topicKey` that have a value, in precedence order, explicit settings
    /// before defaults of the same key (DescribeConfigs' synonym list).
    public func synonyms(ofTopicKey topicKey: String) -> [SynonymValue] {
        ConfigTable.brokerSynonyms(of: topicKey).flatMap { definition -> [SynonymValue] in
            let factor = definition.topicSynonym?.factor ?? 1
            var result: [SynonymValue] = []
            if let value = explicit[definition.name] {
                result.append(SynonymValue(name: definition.name, value: value.scaled(by: factor), source: .staticBrokerConfig))
            }
            if let value = definition.defaultValue {
                result.append(SynonymValue(name: definition.name, value: value.scaled(by: factor), source: .defaultConfig))
            }
            return result
        }
    }

    /// The broker-level default of `topicKey`: the first synonym that is set explicitly, else the first
    /// default (Kafka: `log.retention.ms`, then minutes, then hours).
    public func topicDefault(_ topicKey: String) -> SynonymValue? {
        let all = synonyms(ofTopicKey: topicKey)
        return all.first { $0.source == .staticBrokerConfig } ?? all.first
    }

    static func definition(_ name: String) -> ConfigDefinition {
        guard let definition = ConfigTable.brokerDefinition(name) else {
            preconditionFailure("\(name) is not in ConfigTable")
        }
        return definition
    }
}

extension ConfigValue {
    /// Converts an integer into a smaller unit (hours to ms); -1 and other negatives stay -1 ("unlimited").
    func scaled(by factor: Int64) -> ConfigValue {
        guard factor != 1, case .integer(let value) = self else { return self }
        if value < 0 { return .integer(-1) }
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        return .integer(overflow ? .max : product)
    }
}
