import NIOCore

/// One `__consumer_offsets` record as stored: key and value bytes, each starting with its int16 version.
/// A nil value is a tombstone.
public struct CoordinatorRecordBytes: Hashable, Sendable {
    public var key: ByteBuffer
    public var value: ByteBuffer?

    public init(key: ByteBuffer, value: ByteBuffer?) {
        self.key = key
        self.value = value
    }
}

/// What the group coordinator needs from the broker's log: the seam Kafka calls `PartitionWriter` plus the
/// loader's read. Declared here, by its consumer; the broker implements it over its `__consumer_offsets`
/// partitions (compacted, `offsets.topic.num.partitions` = 50 by default).
public protocol CoordinatorPartitionWriter: Sendable {
    /// Appends `records` to `partition` as one batch and returns once they are durable (committed as with
    /// acks=all), with the offset of the last one. Throws when this broker no longer leads the partition or
    /// the write failed; the driver then answers the waiting responses with an error and reloads the shard.
    func append(partition: Int32, records: [CoordinatorRecordBytes]) async throws -> Int64

    /// Records of `partition` from `offset` up to the high watermark, a bounded chunk at a time, and the
    /// offset to continue from (nil once the end is reached). Used to load a shard.
    func read(partition: Int32, from offset: Int64) async throws -> (
        records: [CoordinatorRecordBytes], next: Int64?
    )
}
