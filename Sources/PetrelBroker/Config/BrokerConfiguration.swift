import PetrelStorage

/// Typed broker configuration. Built from `ConfigTable` values by
/// `BrokerConfiguration+ServerProperties.swift`; nothing below the broker sees string keys.
/// `init()` gives the embedded defaults, so `petrel broker` works with no file.
public struct BrokerConfiguration: Sendable, Equatable {
    /// `node.id`.
    public var nodeID: Int32 = 1

    public struct Network: Sendable, Equatable {
        /// `listeners`.
        public var listeners: [Listener] = [Listener(name: "PLAINTEXT", host: "", port: 9092)]
        /// `advertised.listeners`; nil advertises `listeners`.
        public var advertisedListeners: [Listener]? = nil
        /// `socket.request.max.bytes`: largest request frame.
        public var requestBytesMax: Int = 104_857_600
        /// `connections.max.idle.ms`.
        public var connectionIdleMax: Duration = .milliseconds(600_000)
    }

    public struct Log: Sendable, Equatable {
        /// `log.dirs`, else `log.dir`. Petrel keeps all partitions in the first.
        public var dirs: [String] = ["./data"]
        /// `log.flush.durable.acks`.
        public var durableAcks: Bool = true
        /// `log.flush.durable.interval.ms`.
        public var durableSyncInterval: Duration = .milliseconds(10)
        /// `log.io.engine`.
        public var ioEngine: IOEngine = .ioUring
        /// `log.retention.check.interval.ms`.
        public var retentionCheckInterval: Duration = .milliseconds(300_000)
        /// `log.flush.offset.checkpoint.interval.ms`.
        public var checkpointInterval: Duration = .milliseconds(60_000)
        /// `log.cleaner.enable`.
        public var cleanerEnable: Bool = true
        /// `log.cleaner.backoff.ms`.
        public var cleanerBackoff: Duration = .milliseconds(15_000)
        /// Defaults of the topic-level keys (their broker synonyms).
        public var topicDefaults = TopicConfiguration()
    }

    public enum IOEngine: String, Sendable, Equatable {
        case ioUring = "io_uring"
        case sync
    }

    public struct Topics: Sendable, Equatable {
        /// `num.partitions`.
        public var numPartitions: Int32 = 1
        /// `default.replication.factor`.
        public var defaultReplicationFactor: Int16 = 1
        /// `auto.create.topics.enable`.
        public var autoCreateTopicsEnable: Bool = true
    }

    public struct Groups: Sendable, Equatable {
        /// `offsets.topic.num.partitions`.
        public var offsetsTopicNumPartitions: Int32 = 50
        /// `offsets.retention.minutes`.
        public var offsetsRetention: Duration = .seconds(10080 * 60)
        /// `group.initial.rebalance.delay.ms`.
        public var initialRebalanceDelay: Duration = .milliseconds(3000)
        /// `group.min.session.timeout.ms`.
        public var sessionTimeoutMin: Duration = .milliseconds(6000)
        /// `group.max.session.timeout.ms`.
        public var sessionTimeoutMax: Duration = .milliseconds(1_800_000)
        /// `group.max.size`.
        public var sizeMax: Int32 = .max
        /// `offsets.retention.check.interval.ms`.
        public var offsetsRetentionCheckInterval: Duration = .milliseconds(600_000)
    }

    public var network = Network()
    public var log = Log()
    public var topics = Topics()
    public var groups = Groups()

    public init() {}
}

/// Typed topic-level configuration: a topic's overrides on top of the broker's defaults.
public struct TopicConfiguration: Sendable, Equatable {
    /// `cleanup.policy` is storage's own option set: the log cleaner and retention read it.
    public typealias CleanupPolicy = LogConfig.CleanupPolicy

    public enum TimestampType: String, Sendable, Equatable {
        case createTime = "CreateTime"
        case logAppendTime = "LogAppendTime"
    }

    /// `cleanup.policy`.
    public var cleanupPolicy: CleanupPolicy = .delete
    /// `retention.ms`; nil keeps data forever (Kafka's -1).
    public var retention: Duration? = .seconds(168 * 3600)
    /// `retention.bytes`; nil means no size limit (Kafka's -1).
    public var retentionBytes: Int64? = nil
    /// `segment.bytes`.
    public var segmentBytes: Int = 1_073_741_824
    /// `segment.ms`.
    public var segmentAge: Duration = .seconds(168 * 3600)
    /// `max.message.bytes`: largest batch accepted.
    public var messageBytesMax: Int = 1_048_588
    /// `message.timestamp.type`.
    public var messageTimestampType: TimestampType = .createTime
    /// `min.insync.replicas`.
    public var minInsyncReplicas: Int32 = 1
    /// `delete.retention.ms`.
    public var deleteRetention: Duration = .milliseconds(86_400_000)
    /// `min.compaction.lag.ms`.
    public var compactionLagMin: Duration = .zero
    /// `min.cleanable.dirty.ratio`.
    public var cleanableDirtyRatioMin: Double = 0.5
    /// `flush.messages`.
    public var flushMessages: Int64 = .max
    /// `flush.ms`; nil never flushes on age.
    public var flushInterval: Duration? = nil
    /// `index.interval.bytes`.
    public var indexIntervalBytes: Int = 4096
    /// `segment.index.bytes`.
    public var segmentIndexBytes: Int = 10_485_760
    /// `compression.type`.
    public var compressionType: String = "producer"

    public init() {}
}
