/// Per-partition log settings, named after Kafka's topic configs (the broker maps its
/// `server.properties` keys and per-topic overrides onto this struct; nothing here parses strings).
public struct LogConfig: Sendable, Hashable {
    /// `segment.bytes` (`log.segment.bytes`): the active segment rolls before it would exceed this size.
    public var segmentBytes: Int = 1 << 30
    /// `segment.ms` (`log.roll.ms`): the active segment rolls once its first batch is this old.
    public var segmentRollInterval: Duration = .seconds(7 * 24 * 3600)
    /// `segment.index.bytes` (`log.index.size.max.bytes`): preallocated size of each index file; a full
    /// index also rolls the segment.
    public var segmentIndexBytes: Int = 10_485_760
    /// `index.interval.bytes` (`log.index.interval.bytes`): bytes between two offset index entries.
    public var indexIntervalBytes: Int = 4096
    /// `retention.ms` (`log.retention.ms`); nil keeps data forever (Kafka's -1).
    public var retention: Duration? = .seconds(7 * 24 * 3600)
    /// `retention.bytes` (`log.retention.bytes`); nil means no size limit (Kafka's -1).
    public var retentionBytes: Int? = nil
    /// `flush.messages` (`log.flush.interval.messages`): fdatasync after this many unflushed records;
    /// nil leaves it to `flush.ms` and the OS (Kafka's Long.MAX_VALUE default).
    public var flushMessages: Int? = nil
    /// `flush.ms` (`log.flush.interval.ms`): fdatasync when data has been unflushed this long; nil never.
    public var flushInterval: Duration? = nil
    /// `log.flush.durable.acks` (Petrel): an append made with `durable: true` (acks=all, the metadata log,
    /// offset commits) is followed by a group-committed fdatasync before it completes, so "acknowledged"
    /// means "durable". false restores Kafka's page-cache behaviour, where durability comes only from the
    /// flush policy above, rolls and clean shutdown.
    public var durableAcks: Bool = true
    /// `message.timestamp.type` (`log.message.timestamp.type`).
    public var messageTimestampType: TimestampType = .createTime
    /// `max.message.bytes`: the largest batch accepted; recovery treats a longer length field as corruption.
    public var maxMessageBytes: Int = 1_048_588

    /// `cleanup.policy` (`log.cleanup.policy`): `[.delete]` applies `retention.ms`/`retention.bytes`,
    /// `[.compact]` runs the log cleaner instead, `[.compact, .delete]` both.
    public var cleanupPolicy: CleanupPolicy = [.delete]
    /// `delete.retention.ms` (`log.cleaner.delete.retention.ms`): how long a tombstone (null value) stays
    /// readable on a compacted log, counted from its timestamp, so consumers can see the delete.
    public var deleteRetention: Duration = .seconds(24 * 3600)
    /// `min.cleanable.dirty.ratio` (`log.cleaner.min.cleanable.ratio`): the cleaner runs when dirty bytes
    /// (not cleaned since the last pass) make up at least this share of the cleanable bytes.
    public var minCleanableDirtyRatio: Double = 0.5
    /// `min.compaction.lag.ms` (`log.cleaner.min.compaction.lag.ms`): a segment is cleaned only once its
    /// newest record is at least this old.
    public var minCompactionLag: Duration = .zero

    public struct CleanupPolicy: OptionSet, Sendable, Hashable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let delete = CleanupPolicy(rawValue: 1 << 0)
        public static let compact = CleanupPolicy(rawValue: 1 << 1)
    }

    public enum TimestampType: String, Sendable, Hashable {
        case createTime = "CreateTime"
        case logAppendTime = "LogAppendTime"
    }

    public init() {}
}

/// Settings of the whole storage engine (broker-level keys).
public struct LogManagerConfig: Sendable, Hashable {
    /// `log.dirs`: directories holding partition folders; partitions are spread over them.
    public var logDirs: [String]
    /// Defaults for partitions created without overrides.
    public var defaultLogConfig = LogConfig()
    /// `log.io.engine` (Petrel): `io_uring` (falls back to `sync` when unavailable) or `sync`.
    public var ioEngine: IOEngine = .ioUring
    /// `log.flush.durable.interval.ms` (Petrel): the I/O thread starts fdatasyncs at most once per this
    /// interval, each covering every durable append then waiting (see `LogWriter`). Zero: at once.
    public var syncInterval: Duration = .zero
    /// `log.flush.scheduler.interval.ms`: how often the broker should call `LogManager.flushDirtyLogs`.
    public var flushSchedulerInterval: Duration? = nil
    /// `log.retention.check.interval.ms`: how often the broker should call `LogManager.enforceRetention`.
    public var retentionCheckInterval: Duration = .seconds(300)
    /// `log.cleaner.backoff.ms`: how often the broker should call `LogManager.cleanLogs`.
    public var cleanerBackoff: Duration = .seconds(15)
    /// Test hook: behave as if the kernel refused io_uring.
    public var simulateURingUnavailable = false

    public init(logDirs: [String]) {
        self.logDirs = logDirs
    }
}
