import NIOCore

/// Writes an uncompressed record batch v2 as records arrive, each record encoded once, straight into
/// the batch's buffer behind a reserved header; `seal` fills the header and CRC in place, so the
/// finished batch is that buffer (a producer's batch, not copied again before the request frame).
///
/// Offset deltas are consecutive from 0; `baseTimestamp` is the first record's timestamp and
/// `maxTimestamp` the largest (CreateTime). `RecordBatchBuilder` covers the other cases (gaps,
/// LogAppendTime, control batches).
public struct RecordBatchWriter: Sendable {
    /// The header (zeros until `seal`) followed by the records written so far.
    public private(set) var buffer: ByteBuffer
    public private(set) var recordCount: Int32 = 0
    public private(set) var baseTimestamp: Int64 = -1
    public private(set) var maxTimestamp: Int64 = -1

    /// A writer with room for `capacity` bytes of batch (header included) before it grows.
    public init(capacity: Int) {
        buffer = ByteBufferAllocator().buffer(capacity: max(capacity, RecordBatchHeader.size))
        buffer.writeRepeatingByte(0, count: RecordBatchHeader.size)
    }

    /// Starts a new, empty batch in the same storage (kept when no copy of `buffer` is alive): a
    /// producer reuses the writers of delivered batches, so a new batch does not fault in fresh pages.
    public mutating func reset() {
        buffer.clear()
        buffer.writeRepeatingByte(0, count: RecordBatchHeader.size)
        recordCount = 0
        baseTimestamp = -1
        maxTimestamp = -1
    }

    public var isEmpty: Bool { recordCount == 0 }

    /// Bytes of the batch so far, header included.
    public var size: Int { buffer.readableBytes }

    /// Appends a record at the next offset delta (nil key or value: null).
    public mutating func append(
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, headers: [RecordHeader] = [], timestamp: Int64
    ) {
        if recordCount == 0 {
            baseTimestamp = timestamp
            maxTimestamp = timestamp
        } else {
            maxTimestamp = max(maxTimestamp, timestamp)
        }
        Record.write(offsetDelta: recordCount, timestampDelta: timestamp &- baseTimestamp, key: key, value: value,
                     headers: headers, into: &buffer)
        recordCount += 1
    }

    /// `append` for byte arrays.
    public mutating func append(key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader] = [], timestamp: Int64) {
        Self.withBytes(key) { key in
            Self.withBytes(value) { value in
                append(key: key, value: value, headers: headers, timestamp: timestamp)
            }
        }
    }

    /// Fills the header (uncompressed, CreateTime, base offset 0, no partition leader epoch) and seals the
    /// CRC, in place. Sealing again with the same values (a retried batch) changes nothing.
    public mutating func seal(producerId: Int64 = -1, producerEpoch: Int16 = -1, baseSequence: Int32 = -1,
                              isTransactional: Bool = false) {
        var attributes = RecordBatchAttributes()
        if isTransactional { attributes.insert(.transactional) }
        let header = RecordBatchHeader(
            baseOffset: 0, batchLength: Int32(buffer.readableBytes - RecordBatchHeader.logOverhead),
            partitionLeaderEpoch: -1, attributes: attributes, lastOffsetDelta: max(0, recordCount - 1),
            baseTimestamp: baseTimestamp, maxTimestamp: maxTimestamp, producerId: producerId,
            producerEpoch: producerEpoch, baseSequence: baseSequence, recordCount: recordCount)
        header.write(into: &buffer, at: buffer.readerIndex)
        RecordBatchHeader.sealCRC(in: &buffer, at: buffer.readerIndex)
    }

    /// The sealed batch with its records compressed by `codec` (a new buffer; `.none` returns `buffer`).
    /// Call after `seal`: the header is taken from it.
    public func compressed(with codec: CompressionCodec) throws(CompressionError) -> ByteBuffer {
        guard codec != .none else { return buffer }
        let records = buffer.getSlice(at: buffer.readerIndex + RecordBatchHeader.size,
                                      length: buffer.readableBytes - RecordBatchHeader.size) ?? ByteBuffer()
        var payload = try codec.compress(records)
        var batch = ByteBufferAllocator().buffer(capacity: RecordBatchHeader.size + payload.readableBytes)
        batch.writeBytes(buffer.readableBytesView.prefix(RecordBatchHeader.size))
        var attributes = RecordBatchAttributes(
            rawValue: batch.getInteger(at: RecordBatchHeader.Field.attributes, as: Int16.self) ?? 0)
        attributes.compressionType = codec.rawValue
        batch.setInteger(attributes.rawValue, at: RecordBatchHeader.Field.attributes)
        batch.setInteger(Int32(RecordBatchHeader.size - RecordBatchHeader.logOverhead + payload.readableBytes),
                         at: RecordBatchHeader.Field.batchLength)
        batch.writeBuffer(&payload)
        RecordBatchHeader.sealCRC(in: &batch, at: 0)
        return batch
    }

    private static func withBytes<Result>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        guard let bytes else { return body(nil) }
        return bytes.withUnsafeBytes { body($0) }
    }
}
