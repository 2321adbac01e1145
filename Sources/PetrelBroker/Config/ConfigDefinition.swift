/// The wire type of a config, as DescribeConfigs v3+ reports it (Kafka's `ConfigDef.Type`).
public enum ConfigType: Int8, Sendable, Hashable {
    case boolean = 1
    case string = 2
    case int = 3
    case short = 4
    case long = 5
    case double = 6
    case list = 7

    /// Kafka's upper-case spelling, used in the documentation table.
    public var name: String {
        switch self {
        case .boolean: "BOOLEAN"
        case .string: "STRING"
        case .int: "INT"
        case .short: "SHORT"
        case .long: "LONG"
        case .double: "DOUBLE"
        case .list: "LIST"
        }
    }
}

/// A parsed config value. Integers are kept as `Int64` whatever their declared width; the
/// declared `ConfigType` bounds them when parsing.
public enum ConfigValue: Hashable, Sendable {
    case boolean(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case list([String])

    /// Kafka's string form of the value, as DescribeConfigs returns it.
    public var wireString: String {
        switch self {
        case .boolean(let value): String(value)
        case .integer(let value): String(value)
        case .double(let value): String(value)
        case .string(let value): value
        case .list(let values): values.joined(separator: ",")
        }
    }

    public var integerValue: Int64? {
        if case .integer(let value) = self { value } else { nil }
    }
}

/// Where a config's effective value came from (DescribeConfigs `ConfigSource`, Kafka's numbering).
public enum ConfigSource: Int8, Sendable, Hashable {
    case dynamicTopicConfig = 1
    case dynamicBrokerConfig = 2
    case dynamicDefaultBrokerConfig = 3
    case staticBrokerConfig = 4
    case defaultConfig = 5
}

/// A check on a parsed value; `documentation` is the "valid values" column of the config docs.
public enum ConfigValidator: Sendable {
    case any
    /// Integer at least `min`.
    case atLeast(Int64)
    /// Integer in `min...max`.
    case between(Int64, Int64)
    /// Double in `min...max`.
    case fraction(Double, Double)
    /// String equal to one of the values (case-sensitive, as Kafka's `ValidString`).
    case oneOf([String])
    /// List whose every element is one of the values (`ValidList`).
    case eachOneOf([String])
    /// List of `NAME://host:port` listeners.
    case listeners
    /// Non-empty list.
    case nonEmptyList

    /// A reason the value is invalid, or nil when it is valid.
    func violation(_ value: ConfigValue) -> String? {
        switch (self, value) {
        case (.any, _):
            return nil
        case (.atLeast(let min), .integer(let int)):
            return int >= min ? nil : "must be at least \(min)"
        case (.between(let min, let max), .integer(let int)):
            return (min...max).contains(int) ? nil : "must be in [\(min), \(max)]"
        case (.fraction(let min, let max), .double(let double)):
            return (min...max).contains(double) ? nil : "must be in [\(min), \(max)]"
        case (.oneOf(let allowed), .string(let string)):
            return allowed.contains(string) ? nil : "must be one of \(allowed.joined(separator: ", "))"
        case (.eachOneOf(let allowed), .list(let list)):
            let bad = list.filter { !allowed.contains($0) }
            return bad.isEmpty ? nil : "\(bad.joined(separator: ",")) not in \(allowed.joined(separator: ", "))"
        case (.nonEmptyList, .list(let list)):
            return list.isEmpty ? "must not be empty" : nil
        case (.listeners, .list(let list)):
            for entry in list {
                if case .failure(let error) = Listener.parse(entry) { return error.reason }
            }
            return nil
        default:
            return "has the wrong type"
        }
    }

    var documentation: String {
        switch self {
        case .any: ""
        case .atLeast(let min): "[\(min),...]"
        case .between(let min, let max): "[\(min),...,\(max)]"
        case .fraction(let min, let max): "[\(min),...,\(max)]"
        case .oneOf(let allowed), .eachOneOf(let allowed): allowed.joined(separator: ", ")
        case .listeners: "NAME://host:port,..."
        case .nonEmptyList: "non-empty list"
        }
    }
}

/// A topic-level key that a broker key supplies the default for (Kafka's "synonym").
public struct TopicSynonym: Sendable {
    /// The topic-level name, e.g. `retention.ms` for `log.retention.hours`.
    public let topicKey: String
    /// Multiplies this broker key's value into the topic key's unit (hours to ms: 3_600_000).
    public let factor: Int64

    public init(_ topicKey: String, factor: Int64 = 1) {
        self.topicKey = topicKey
        self.factor = factor
    }
}

/// One row of the config table: everything Petrel knows about a key.
public struct ConfigDefinition: Sendable {
    public let name: String
    public let type: ConfigType
    /// nil is Kafka's `null` default ("not set; another key decides").
    public let defaultValue: ConfigValue?
    public let validator: ConfigValidator
    public let documentation: String
    /// Set when this broker key is the default for a topic-level key.
    public let topicSynonym: TopicSynonym?
    /// Other accepted spellings of the key.
    public let aliases: [String]

    public init(
        _ name: String, _ type: ConfigType, default defaultValue: ConfigValue?, _ validator: ConfigValidator = .any,
        topic topicSynonym: TopicSynonym? = nil, aliases: [String] = [], doc documentation: String
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.validator = validator
        self.documentation = documentation
        self.topicSynonym = topicSynonym
        self.aliases = aliases
    }

    /// Parses and validates the text of a value for this key; errors name the key.
    public func parse(_ text: String) throws(ConfigError) -> ConfigValue {
        let trimmed = text.trimmingWhitespace()
        let value: ConfigValue
        switch type {
        case .boolean:
            switch trimmed.lowercased() {
            case "true": value = .boolean(true)
            case "false": value = .boolean(false)
            default: throw ConfigError(key: name, value: text, reason: "expected true or false")
            }
        case .int, .short, .long:
            let range: ClosedRange<Int64> =
                switch type {
                case .short: Int64(Int16.min)...Int64(Int16.max)
                case .int: Int64(Int32.min)...Int64(Int32.max)
                default: Int64.min...Int64.max
                }
            guard let int = Int64(trimmed), range.contains(int) else {
                throw ConfigError(key: name, value: text, reason: "expected a \(type.name.lowercased()) number")
            }
            value = .integer(int)
        case .double:
            guard let double = Double(trimmed), double.isFinite else {
                throw ConfigError(key: name, value: text, reason: "expected a number")
            }
            value = .double(double)
        case .string:
            value = .string(trimmed)
        case .list:
            value = .list(trimmed.isEmpty ? [] : trimmed.split(separator: ",").map { String($0).trimmingWhitespace() })
        }
        if let reason = validator.violation(value) {
            throw ConfigError(key: name, value: text, reason: reason)
        }
        return value
    }
}

/// A config key with a bad value (or an unknown key where unknown keys are not allowed).
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var key: String
    public var value: String?
    public var reason: String

    public init(key: String, value: String?, reason: String) {
        self.key = key
        self.value = value
        self.reason = reason
    }

    public var description: String {
        if let value { "invalid value '\(value)' for configuration \(key): \(reason)" } else { "\(key): \(reason)" }
    }
}

extension String {
    /// Drops leading and trailing spaces, tabs and line breaks (Java's `String.trim` for ASCII).
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0C}" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
