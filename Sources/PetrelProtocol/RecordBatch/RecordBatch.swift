import NIOCore

/// A record batch v2 read lazily from its bytes: the header is parsed up front, the records only when
/// iterated (after decompressing the payload once, if compressed).
public struct RecordBatch: Sendable {
    public let header: RecordBatchHeader
    /// Exactly the batch's bytes, header included.
    public let bytes: ByteBuffer

    /// Reads the batch at the reader index of `buffer`; bytes after the batch are ignored.
    public init(_ buffer: ByteBuffer) throws(RecordBatchError) {
        let header = try RecordBatchHeader(parsing: buffer, at: buffer.readerIndex)
        guard let bytes = buffer.getSlice(at: buffer.readerIndex, length: header.totalSize) else {
            throw RecordBatchError(.truncated, "batch of \(header.totalSize) bytes, have \(buffer.readableBytes)")
        }
        self.header = header
        self.bytes = bytes
    }

    public func verifyChecksum() throws(RecordBatchError) {
        try header.verifyChecksum(in: bytes, at: bytes.readerIndex)
    }

    public var compression: CompressionCodec? { CompressionCodec(rawValue: header.attributes.compressionType) }

    /// The records, decoded one at a time. `maxDecompressedBytes` bounds the decompressed payload (use
    /// the broker's `message.max.bytes` or the consumer's fetch size); a larger payload, a corrupt one, or a
    /// `recordCount` the bytes cannot hold fails here, before any record is decoded.
    public func records(maxDecompressedBytes: Int) throws(RecordBatchError) -> RecordIterator {
        guard let compression else {
            throw RecordBatchError(.unsupportedCompression, "compression type \(header.attributes.compressionType)")
        }
        guard header.recordCount >= 0 else { throw RecordBatchError(.invalidRecords, "record count \(header.recordCount)") }
        guard var payload = bytes.getSlice(at: bytes.readerIndex + RecordBatchHeader.size, length: bytes.readableBytes - RecordBatchHeader.size) else {
            throw RecordBatchError(.invalidLength, "batch shorter than its header")
        }
        if compression != .none {
            do {
                payload = try compression.decompress(payload, maxOutputBytes: maxDecompressedBytes)
            } catch {
                throw RecordBatchError(.invalidRecords, "records payload: \(error)")
            }
        }
        guard Int(header.recordCount) <= payload.readableBytes / Record.minimumEncodedSize else {
            throw RecordBatchError(.invalidRecords, "record count \(header.recordCount) cannot fit in \(payload.readableBytes) bytes")
        }
        return RecordIterator(payload: payload, remaining: Int(header.recordCount))
    }

    /// The absolute offset of `record` in this batch.
    public func offset(of record: Record) -> Int64 { header.baseOffset + Int64(record.offsetDelta) }

    /// The timestamp of `record`: its create time, or the batch's `maxTimestamp` under LogAppendTime.
    public func timestamp(of record: Record) -> Int64 {
        header.attributes.contains(.logAppendTime) ? header.maxTimestamp : header.baseTimestamp &+ record.timestampDelta
    }

    /// Decodes `recordCount` records from a payload, one per `next()`, and checks at the end that the
    /// payload held exactly that many.
    public struct RecordIterator: Sendable {
        private var payload: ByteBuffer
        private var remaining: Int

        init(payload: ByteBuffer, remaining: Int) {
            self.payload = payload
            self.remaining = remaining
        }

        /// The next record, or nil after the last one.
        public mutating func next() throws(RecordBatchError) -> Record? {
            guard remaining > 0 else {
                guard payload.readableBytes == 0 else {
                    throw RecordBatchError(.invalidRecords, "\(payload.readableBytes) bytes after the last record")
                }
                return nil
            }
            remaining -= 1
            return try Record(parsing: &payload)
        }

        /// All the remaining records.
        public mutating func collect() throws(RecordBatchError) -> [Record] {
            var records: [Record] = []
            records.reserveCapacity(remaining)
            while let record = try next() { records.append(record) }
            return records
        }
    }
}

/// Walks the batches concatenated in a buffer (a Produce request's `records`, a Fetch response's, a log
/// segment) by their headers, without touching the records.
public struct RecordBatchIterator: Sendable {
    private let buffer: ByteBuffer
    /// Absolute index of the next batch; on a truncated-tail error, where the last whole batch ends.
    public private(set) var position: Int

    public init(_ buffer: ByteBuffer) {
        self.buffer = buffer
        self.position = buffer.readerIndex
    }

    /// The next batch's header and exact bytes, nil at the end of the buffer; throws on a batch that is
    /// cut short (a torn tail) or whose header is invalid, without moving `position`.
    public mutating func next() throws(RecordBatchError) -> (header: RecordBatchHeader, bytes: ByteBuffer)? {
        let left = buffer.writerIndex - position
        guard left > 0 else { return nil }
        guard left >= RecordBatchHeader.size else {
            throw RecordBatchError(.truncated, "\(left) bytes at \(position - buffer.readerIndex) are less than a batch header")
        }
        let header = try RecordBatchHeader(parsing: buffer, at: position)
        guard let bytes = buffer.getSlice(at: position, length: header.totalSize) else {
            throw RecordBatchError(.truncated, "batch of \(header.totalSize) bytes at \(position - buffer.readerIndex), \(left) left")
        }
        position += header.totalSize
        return (header, bytes)
    }
}

extension RecordBatch {
    /// Calls `body` with each batch's header and bytes in `buffer`, in order; stops with the first error.
    public static func forEachBatch(
        in buffer: ByteBuffer, _ body: (RecordBatchHeader, ByteBuffer) throws(RecordBatchError) -> Void
    ) throws(RecordBatchError) {
        var iterator = RecordBatchIterator(buffer)
        while let (header, bytes) = try iterator.next() { try body(header, bytes) }
    }
}
