import FoundationEssentials
import PetrelStorage

extension BrokerConfiguration {
    /// Reads `server.properties` (when given) and applies `--override key=value` settings on top.
    /// Returns the typed configuration and the loaded values (for DescribeConfigs and warnings).
    public static func load(
        propertiesFile path: String?, overrides: [String]
    ) throws(ConfigError) -> (BrokerConfiguration, BrokerConfigValues) {
        var entries: [JavaProperties.Entry] = []
        if let path {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigError(key: path, value: nil, reason: "cannot read the properties file: \(error)")
            }
            do {
                entries = try JavaProperties(parsing: text).entries
            } catch {
                throw ConfigError(key: path, value: nil, reason: error.description)
            }
        }
        let values = try BrokerConfigValues(properties: entries, overrides: overrides)
        return (try BrokerConfiguration(values), values)
    }

    /// The typed form of loaded values; fails on cross-key problems, naming the key.
    public init(_ values: BrokerConfigValues) throws(ConfigError) {
        let reader = ValueReader(values: values)
        self.init()
        nodeID = Int32(reader.integer("node.id"))

        network.listeners = try reader.listeners("listeners") ?? []
        guard !network.listeners.isEmpty else {
            throw ConfigError(key: "listeners", value: "", reason: "at least one listener is required")
        }
        network.advertisedListeners = try reader.listeners("advertised.listeners")
        network.requestBytesMax = Int(reader.integer("socket.request.max.bytes"))
        network.connectionIdleMax = .milliseconds(reader.integer("connections.max.idle.ms"))

        if case .list(let dirs) = values.value("log.dirs") {
            log.dirs = dirs
        } else {
            log.dirs = [reader.string("log.dir")]
        }
        log.durableAcks = reader.boolean("log.flush.durable.acks")
        log.durableSyncInterval = .milliseconds(reader.integer("log.flush.durable.interval.ms"))
        guard let engine = IOEngine(rawValue: reader.string("log.io.engine")) else {
            preconditionFailure("log.io.engine validator admits only known engines")
        }
        log.ioEngine = engine
        log.retentionCheckInterval = .milliseconds(reader.integer("log.retention.check.interval.ms"))
        log.checkpointInterval = .milliseconds(reader.integer("log.flush.offset.checkpoint.interval.ms"))
        log.cleanerEnable = reader.boolean("log.cleaner.enable")
        log.cleanerBackoff = .milliseconds(reader.integer("log.cleaner.backoff.ms"))
        log.topicDefaults = try TopicConfiguration(overrides: [:], broker: values)

        topics.numPartitions = Int32(reader.integer("num.partitions"))
        topics.defaultReplicationFactor = Int16(clamping: reader.integer("default.replication.factor"))
        topics.autoCreateTopicsEnable = reader.boolean("auto.create.topics.enable")

        groups.offsetsTopicNumPartitions = Int32(reader.integer("offsets.topic.num.partitions"))
        groups.offsetsRetention = .seconds(reader.integer("offsets.retention.minutes") * 60)
        groups.offsetsRetentionCheckInterval = .milliseconds(reader.integer("offsets.retention.check.interval.ms"))
        groups.initialRebalanceDelay = .milliseconds(reader.integer("group.initial.rebalance.delay.ms"))
        groups.sessionTimeoutMin = .milliseconds(reader.integer("group.min.session.timeout.ms"))
        groups.sessionTimeoutMax = .milliseconds(reader.integer("group.max.session.timeout.ms"))
        guard groups.sessionTimeoutMin <= groups.sessionTimeoutMax else {
            throw ConfigError(
                key: "group.min.session.timeout.ms", value: nil,
                reason: "must not exceed group.max.session.timeout.ms")
        }
        groups.sizeMax = Int32(reader.integer("group.max.size"))
    }
}

extension TopicConfiguration {
    /// What a topic runs with: `defaults` (the broker's, computed once) when it has no overrides, which
    /// keeps the per-request path free of config parsing. Overrides were validated before they were
    /// committed; a value that no longer parses (an older broker's log) falls back to the broker default
    /// rather than making the topic unusable.
    static func effective(
        overrides: [String: String], broker: BrokerConfigValues, defaults: TopicConfiguration
    ) -> TopicConfiguration {
        guard !overrides.isEmpty else { return defaults }
        return (try? TopicConfiguration(overrides: overrides, broker: broker)) ?? defaults
    }

    /// A topic's effective configuration: its `overrides` (topic-level keys, as stored in the metadata
    /// log) over the broker's defaults. Throws for an unknown key or a bad value, naming the key.
    public init(overrides: [String: String], broker: BrokerConfigValues) throws(ConfigError) {
        var effective: [String: ConfigValue] = [:]
        for definition in ConfigTable.topic {
            effective[definition.name] = broker.topicDefault(definition.name)?.value
        }
        for (key, text) in overrides {
            guard let definition = ConfigTable.topicDefinition(key) else {
                throw ConfigError(key: key, value: text, reason: "unknown topic configuration")
            }
            effective[key] = try definition.parse(text)
        }
        let reader = ValueReader(effective: effective)
        self.init()
        let policies = reader.list("cleanup.policy")
        cleanupPolicy = []
        if policies.contains("delete") { cleanupPolicy.insert(.delete) }
        if policies.contains("compact") { cleanupPolicy.insert(.compact) }
        let retentionMs = reader.integer("retention.ms")
        retention = retentionMs < 0 ? nil : .milliseconds(retentionMs)
        let retentionBytes = reader.integer("retention.bytes")
        self.retentionBytes = retentionBytes < 0 ? nil : retentionBytes
        segmentBytes = Int(reader.integer("segment.bytes"))
        segmentAge = .milliseconds(reader.integer("segment.ms"))
        messageBytesMax = Int(reader.integer("max.message.bytes"))
        guard let timestampType = TimestampType(rawValue: reader.string("message.timestamp.type")) else {
            preconditionFailure("message.timestamp.type validator admits only known types")
        }
        messageTimestampType = timestampType
        minInsyncReplicas = Int32(clamping: reader.integer("min.insync.replicas"))
        deleteRetention = .milliseconds(reader.integer("delete.retention.ms"))
        compactionLagMin = .milliseconds(reader.integer("min.compaction.lag.ms"))
        cleanableDirtyRatioMin = reader.double("min.cleanable.dirty.ratio")
        flushMessages = reader.integer("flush.messages")
        let flushMs = reader.integer("flush.ms")
        flushInterval = flushMs == .max ? nil : .milliseconds(flushMs)
        indexIntervalBytes = Int(reader.integer("index.interval.bytes"))
        segmentIndexBytes = Int(reader.integer("segment.index.bytes"))
        compressionType = reader.string("compression.type")
    }
}

/// Typed access to resolved values. Every key it is asked for is in `ConfigTable` with a non-null
/// default of the right type, so a miss is a programmer error caught by the config tests.
private struct ValueReader {
    let lookup: (String) -> ConfigValue?

    init(values: BrokerConfigValues) { lookup = values.value }
    init(effective: [String: ConfigValue]) { lookup = { effective[$0] } }

    func integer(_ name: String) -> Int64 {
        guard case .integer(let value) = lookup(name) else { preconditionFailure("\(name) is not an integer") }
        return value
    }

    func double(_ name: String) -> Double {
        guard case .double(let value) = lookup(name) else { preconditionFailure("\(name) is not a double") }
        return value
    }

    func boolean(_ name: String) -> Bool {
        guard case .boolean(let value) = lookup(name) else { preconditionFailure("\(name) is not a boolean") }
        return value
    }

    func string(_ name: String) -> String {
        guard case .string(let value) = lookup(name) else { preconditionFailure("\(name) is not a string") }
        return value
    }

    func list(_ name: String) -> [String] {
        guard case .list(let value) = lookup(name) else { preconditionFailure("\(name) is not a list") }
        return value
    }

    /// nil when the key is null; listeners were validated when parsed.
    func listeners(_ name: String) throws(ConfigError) -> [Listener]? {
        guard case .list(let entries) = lookup(name) else { return nil }
        var result: [Listener] = []
        for entry in entries {
            switch Listener.parse(entry) {
            case .success(let listener): result.append(listener)
            case .failure(let error): throw ConfigError(key: name, value: entry, reason: error.reason)
            }
        }
        return result
    }
}
