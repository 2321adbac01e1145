import NIOCore
import PetrelProtocol
import PetrelStorage

/// Builds record batches v2 for storage tests. Storage only reads headers, so the "records" are
/// opaque payload bytes; the CRC is real.
enum BatchFactory {
    static func batch(
        records: Int32 = 1, payload: [UInt8], timestamp: Int64 = 1_000, producerId: Int64 = -1,
        producerEpoch: Int16 = -1, baseSequence: Int32 = -1, baseOffset: Int64 = 0
    ) -> ByteBuffer {
        var buffer = ByteBuffer()
        let header = RecordBatchHeader(
            baseOffset: baseOffset, batchLength: Int32(RecordBatchHeader.size - RecordBatchHeader.logOverhead + payload.count),
            partitionLeaderEpoch: -1, lastOffsetDelta: records - 1, baseTimestamp: timestamp, maxTimestamp: timestamp,
            producerId: producerId, producerEpoch: producerEpoch, baseSequence: baseSequence, recordCount: records)
        buffer.writeRepeatingByte(0, count: RecordBatchHeader.size)
        header.write(into: &buffer, at: 0)
        buffer.writeBytes(payload)
        RecordBatchHeader.sealCRC(in: &buffer, at: 0)
        return buffer
    }

    static func concat(_ batches: [ByteBuffer]) -> ByteBuffer {
        var all = ByteBuffer()
        for var batch in batches { all.writeBuffer(&batch) }
        return all
    }

    /// Splits a buffer of back-to-back batches into their headers (CRC verified).
    static func headers(in buffer: ByteBuffer) throws -> [RecordBatchHeader] {
        var result: [RecordBatchHeader] = []
        var index = buffer.readerIndex
        while index < buffer.writerIndex {
            let header = try RecordBatchHeader(parsing: buffer, at: index)
            try header.verifyChecksum(in: buffer, at: index)
            result.append(header)
            index += header.totalSize
        }
        return result
    }

    /// The payload of the batch at `index` of `buffer`.
    static func payload(in buffer: ByteBuffer, at index: Int, header: RecordBatchHeader) -> [UInt8] {
        buffer.getBytes(at: index + RecordBatchHeader.size, length: header.totalSize - RecordBatchHeader.size) ?? []
    }
}

extension LogManagerConfig {
    static func test(_ path: String, _ configure: (inout LogConfig) -> Void = { _ in }) -> LogManagerConfig {
        var config = LogManagerConfig(logDirs: [path])
        configure(&config.defaultLogConfig)
        return config
    }
}

/// Every batch header from `offset` to the log end offset, reading segment by segment.
func readAllHeaders(_ log: PartitionLog, from offset: Int64) throws -> [RecordBatchHeader] {
    var headers: [RecordBatchHeader] = []
    var next = offset
    while next < log.logEndOffset {
        let buffer = try log.readBuffer(from: next, maxBytes: 1 << 20, minOneBatch: true)
        let batch = try BatchFactory.headers(in: buffer)
        guard let last = batch.last else { break }
        headers += batch
        next = last.nextOffset
    }
    return headers
}
