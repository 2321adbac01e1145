/// A topic to create. -1 for `numPartitions`/`replicationFactor` takes the broker's defaults
/// (`num.partitions`, `default.replication.factor`), as in KIP-464.
public struct NewTopic: Sendable, Hashable {
    public var name: String
    public var numPartitions: Int32
    public var replicationFactor: Int16
    public var configs: [String: String]

    public init(name: String, numPartitions: Int32 = -1, replicationFactor: Int16 = -1, configs: [String: String] = [:]) {
        self.name = name
        self.numPartitions = numPartitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// What a config belongs to; the raw values are Kafka's `ConfigResource.Type` ids.
public enum ConfigResourceType: Int8, Sendable {
    case topic = 2
    case broker = 4
    case group = 32
}

/// One config of a resource, as DescribeConfigs reports it.
public struct ConfigEntry: Sendable, Hashable {
    public var name: String
    public var value: String?
    public var isReadOnly: Bool
    public var isSensitive: Bool
    /// Kafka's `ConfigSource` id: 1 dynamic topic, 4 static broker, 5 default...; -1 unknown.
    public var source: Int8

    /// Kafka's name for `source` (`DYNAMIC_TOPIC_CONFIG`, `DEFAULT_CONFIG`...).
    public var sourceName: String {
        switch source {
        case 1: "DYNAMIC_TOPIC_CONFIG"
        case 2: "DYNAMIC_BROKER_CONFIG"
        case 3: "DYNAMIC_DEFAULT_BROKER_CONFIG"
        case 4: "STATIC_BROKER_CONFIG"
        case 5: "DEFAULT_CONFIG"
        case 6: "DYNAMIC_BROKER_LOGGER_CONFIG"
        case 8: "DYNAMIC_GROUP_CONFIG"
        default: "UNKNOWN"
        }
    }
}

/// A group as ListGroups reports it.
public struct GroupListing: Sendable, Hashable {
    public var groupID: String
    public var protocolType: String
    /// Empty when the broker's ListGroups version does not report states.
    public var state: String
}

/// A group as DescribeGroups reports it; member assignments are decoded for consumer groups.
public struct GroupDescription: Sendable, Hashable {
    public struct Member: Sendable, Hashable {
        public var memberID: String
        public var groupInstanceID: String?
        public var clientID: String
        public var clientHost: String
        public var assignment: [TopicPartition]
    }

    public var groupID: String
    public var state: String
    public var protocolType: String
    /// The assignor chosen (`range`, `cooperative-sticky`...).
    public var protocolName: String
    public var members: [Member]
}

/// The cluster as DescribeCluster (or Metadata) reports it.
public struct ClusterDescription: Sendable, Hashable {
    public var clusterID: String?
    public var controllerID: Int32
    public var brokers: [ClusterMetadata.Broker]
}
