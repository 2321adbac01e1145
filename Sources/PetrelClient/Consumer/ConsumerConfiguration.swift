import NIOCore
import PetrelProtocol

/// Consumer settings; names and defaults follow the Java client's.
public struct ConsumerConfiguration: Sendable {
    /// `auto.offset.reset`: where to start a partition with no committed (or a no longer valid) offset.
    public enum OffsetReset: String, Sendable {
        case earliest, latest, none
    }

    /// `isolation.level`.
    public enum IsolationLevel: Int8, Sendable {
        /// Every record, including those of open and aborted transactions.
        case readUncommitted = 0
        /// Records up to the last stable offset, without those of aborted transactions.
        case readCommitted = 1
    }

    public var client: ClientConfiguration
    /// `group.id`: required for `subscribe` and for committing.
    public var groupID: String?
    /// `group.instance.id`: static membership.
    public var groupInstanceID: String?
    /// `session.timeout.ms`.
    public var sessionTimeout: Duration = .seconds(45)
    /// `max.poll.interval.ms`, sent as the JoinGroup rebalance timeout.
    public var rebalanceTimeout: Duration = .seconds(300)
    /// `heartbeat.interval.ms`.
    public var heartbeatInterval: Duration = .seconds(3)
    /// `partition.assignment.strategy`, in preference order (the Java default: range, then cooperative-sticky).
    public var assignors: [any PartitionAssignor] = [RangeAssignor(), CooperativeStickyAssignor()]
    public var autoOffsetReset = OffsetReset.latest
    /// `enable.auto.commit`: commit positions every `auto.commit.interval.ms`, before a rebalance and on close.
    public var enableAutoCommit = true
    public var autoCommitInterval: Duration = .seconds(5)
    public var isolationLevel = IsolationLevel.readUncommitted
    /// `fetch.min.bytes` / `fetch.max.wait.ms`: the broker holds a fetch until either is reached.
    public var fetchMinBytes: Int32 = 1
    public var fetchMaxWait: Duration = .milliseconds(500)
    /// `fetch.max.bytes` / `max.partition.fetch.bytes`.
    public var fetchMaxBytes: Int32 = 52_428_800
    public var maxPartitionFetchBytes: Int32 = 1_048_576
    /// `max.poll.records`.
    public var maxPollRecords = 500
    /// `check.crcs`: verify each batch's CRC-32C.
    public var checkCRCs = true
    /// `allow.auto.create.topics`.
    public var allowAutoCreateTopics = false

    public init(client: ClientConfiguration) {
        self.client = client
    }
}

/// A consumed record.
///
/// Its key and value are slices of the fetch response they came in (no copy per record); a record
/// kept alive keeps that response's buffer alive. `key` and `value` copy them out as byte arrays.
public struct ConsumerRecord: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Milliseconds since the epoch.
    public var timestamp: Int64
    /// True when `timestamp` is the broker's LogAppendTime rather than the producer's CreateTime.
    public var isLogAppendTime: Bool
    /// The key's bytes (readable bytes of the slice); nil for a null key.
    public var keyBuffer: ByteBuffer?
    /// The value's bytes (readable bytes of the slice); nil for a null value (a tombstone).
    public var valueBuffer: ByteBuffer?
    public var headers: [RecordHeader]
    public var leaderEpoch: Int32

    /// The key, copied into an array.
    public var key: [UInt8]? {
        get { keyBuffer.map { Array($0.readableBytesView) } }
        set { keyBuffer = newValue.map { ByteBuffer(bytes: $0) } }
    }

    /// The value, copied into an array.
    public var value: [UInt8]? {
        get { valueBuffer.map { Array($0.readableBytesView) } }
        set { valueBuffer = newValue.map { ByteBuffer(bytes: $0) } }
    }
}
