import NIOCore
import PetrelMetadata
import PetrelProtocol
import PetrelStorage

/// The metadata log kept in the partition log `__cluster_metadata-0`: each append is one uncompressed
/// record batch whose records have a null key and a `MetadataRecord` frame as value (KRaft's layout).
/// Appends always wait for fdatasync, whatever `log.flush.durable.acks` says: the image must never run
/// ahead of what survives a crash.
struct StorageMetadataLog: MetadataLog {
    static let topic = "__cluster_metadata"
    /// Upper bound on one metadata batch after decompression (metadata batches are never compressed).
    private static let batchBytesMax = 8 << 20

    let log: PartitionLog

    /// Opens `__cluster_metadata-0` in `logManager`, creating it on first start.
    static func open(in logManager: LogManager) throws -> StorageMetadataLog {
        if let log = logManager.log(topic: topic, partition: 0) {
            return StorageMetadataLog(log: log)
        }
        var config = LogConfig()
        config.durableAcks = true
        return StorageMetadataLog(log: try logManager.createLog(topic: topic, partition: 0, config: config))
    }

    func append(_ records: [MetadataRecord]) async throws -> [Int64] {
        let now = WallClock.nowMilliseconds()
        var builder = RecordBatchBuilder()
        for record in records {
            builder.append(key: nil, value: try record.encoded(), timestamp: now)
        }
        let info = try await log.appendAsLeader(try builder.build(), leaderEpoch: 0, now: now)
        try await log.waitUntilDurable(endOffset: info.lastOffset + 1)
        return records.indices.map { info.firstOffset + Int64($0) }
    }

    func readAll() async throws -> [(offset: Int64, record: MetadataRecord)] {
        var result: [(offset: Int64, record: MetadataRecord)] = []
        var offset = log.logStartOffset
        while offset < log.logEndOffset {
            let buffer = try log.readBuffer(from: offset, maxBytes: Self.batchBytesMax, minOneBatch: true)
            guard buffer.readableBytes > 0 else { break }
            var batches = RecordBatchIterator(buffer)
            while let (header, bytes) = try batches.next() {
                let batch = try RecordBatch(bytes)
                var records = try batch.records(maxDecompressedBytes: Self.batchBytesMax)
                while let record = try records.next() {
                    guard let value = record.value else { continue }
                    result.append((batch.offset(of: record), try MetadataRecord(decoding: value)))
                }
                offset = header.nextOffset
            }
        }
        return result
    }
}
