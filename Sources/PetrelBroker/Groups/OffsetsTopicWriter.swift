import NIOCore
import PetrelCoordinator
import PetrelProtocol
import PetrelStorage

/// The coordinator's `CoordinatorPartitionWriter` over this broker's `__consumer_offsets` partition logs.
///
/// An append is one uncompressed record batch, queued as leader (offsets assigned at once, so queueing
/// order is log order) and waited for until durable (acks=all: the batch is fdatasync'ed); the high
/// watermark moves past it once it is written, before the fdatasync, as for Produce. Reads copy whole
/// batches below the high watermark, a bounded chunk per call, skipping control batches.
struct OffsetsTopicWriter: CoordinatorPartitionWriter {
    static let topic = InternalTopics.consumerOffsets
    /// Bytes read per load step; a larger batch is still returned whole.
    static let readChunkBytes = 1 << 20

    let partitions: PartitionManager
    /// Bounds the decompressed size of a batch read back (`message.max.bytes` of the topic).
    let maxBatchBytes: Int

    /// The partition is not (or no longer) hosted here: its waiting responses get NOT_COORDINATOR.
    struct NotHosted: Error {
        var partition: Int32
    }

    func queueAppend(partition index: Int32, records: [CoordinatorRecordBytes]) throws -> PendingCoordinatorAppend {
        guard let partition = partitions.partition(Self.topic, index) else { throw NotHosted(partition: index) }
        let now = WallClock.nowMilliseconds()
        var builder = RecordBatchBuilder()
        for record in records {
            builder.append(key: record.key, value: record.value, timestamp: now)
        }
        let pending = try partition.log.submitAppendAsLeader(
            try builder.build(), leaderEpoch: partition.leaderEpoch, now: now, durable: true)
        let notifier = partitions.appends
        return PendingCoordinatorAppend {
            let written = try await pending.written()
            partition.advanceHighWatermark(to: written.lastOffset + 1)
            notifier.notifyAll()
            let info = try await pending.result()
            try await partition.log.waitUntilDurable(endOffset: info.lastOffset + 1)  // durable acks off
            return info.lastOffset
        }
    }

    func read(partition index: Int32, from offset: Int64) async throws -> (
        records: [CoordinatorRecordBytes], next: Int64?
    ) {
        guard let partition = partitions.partition(Self.topic, index) else { throw NotHosted(partition: index) }
        // Below the log start (DeleteRecords, retention) there is nothing left to replay.
        let start = max(offset, partition.log.logStartOffset)
        let highWatermark = partition.highWatermark
        guard start < highWatermark else { return ([], nil) }
        let buffer = try partition.log.readBuffer(
            from: start, maxBytes: Self.readChunkBytes, maxOffset: highWatermark, minOneBatch: true)
        var records: [CoordinatorRecordBytes] = []
        var next: Int64?
        try RecordBatch.forEachBatch(in: buffer) { header, bytes throws(RecordBatchError) in
            next = header.nextOffset
            guard !header.attributes.contains(.control) else { return }
            var iterator = try RecordBatch(bytes).records(maxDecompressedBytes: maxBatchBytes)
            while let record = try iterator.next() {
                // A keyless record is not a coordinator record; the loader would reject it, so skip it here.
                guard let key = record.key else { continue }
                records.append(CoordinatorRecordBytes(key: key, value: record.value))
            }
        }
        return (records, next)
    }
}
