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
    /// Queues `records` as one batch behind every earlier append to `partition`; the returned wait ends
    /// once they are durable (committed as with acks=all), with the offset of the last one. Appends queued
    /// one after another reach the log in that order while their waits overlap, so one fdatasync can
    /// cover many. Throws, here or from the wait, when this broker no longer leads the partition or the
    /// write failed; the driver then answers the waiting responses with an error and reloads the shard.
    func queueAppend(partition: Int32, records: [CoordinatorRecordBytes]) throws -> PendingCoordinatorAppend

    /// Records of `partition` from `offset` up to the high watermark, a bounded chunk at a time, and the
    /// offset to continue from (nil once the end is reached). Used to load a shard.
    func read(partition: Int32, from offset: Int64) async throws -> (
        records: [CoordinatorRecordBytes], next: Int64?
    )
}

/// A queued coordinator append (`CoordinatorPartitionWriter.queueAppend`).
public struct PendingCoordinatorAppend: Sendable {
    private let wait: @Sendable () async throws -> Int64

    public init(_ wait: @escaping @Sendable () async throws -> Int64) {
        self.wait = wait
    }

    /// Waits until the batch is durable; returns the offset of its last record.
    public func lastOffset() async throws -> Int64 {
        try await wait()
    }
}
