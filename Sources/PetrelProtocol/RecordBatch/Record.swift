import NIOCore

/// One record inside a record batch v2. Offsets and timestamps are deltas from the batch's
/// `baseOffset` and `baseTimestamp`; a nil `value` is a tombstone on compacted topics.
///
/// Wire format (varint = zigzag varint, varlong = zigzag varlong):
/// ```
/// length          varint   bytes that follow
/// attributes      int8     unused, 0
/// timestampDelta  varlong
/// offsetDelta     varint
/// keyLength       varint   -1 for a null key
/// key             bytes
/// valueLength     varint   -1 for a null value
/// value           bytes
/// headerCount     varint
/// headers         [keyLength varint, key utf8, valueLength varint (-1 null), value]
/// ```
public struct Record: Hashable, Sendable {
    public var offsetDelta: Int32
    public var timestampDelta: Int64
    public var key: ByteBuffer?
    public var value: ByteBuffer?
    public var headers: [RecordHeader]

    public init(offsetDelta: Int32, timestampDelta: Int64, key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = []) {
        self.offsetDelta = offsetDelta
        self.timestampDelta = timestampDelta
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The smallest possible encoding: every field one byte (length, attributes, timestampDelta,
    /// offsetDelta, keyLength, valueLength, headerCount). Bounds a record count against the bytes present.
    public static let minimumEncodedSize = 7
}

/// A record header: a non-null UTF-8 key and an optional value.
public struct RecordHeader: Hashable, Sendable {
    public var key: String
    public var value: ByteBuffer?

    public init(key: String, value: ByteBuffer?) {
        self.key = key
        self.value = value
    }
}

extension Record {
    /// Appends the record (length prefix included) to `buffer`; returns the bytes written.
    @discardableResult
    public func write(into buffer: inout ByteBuffer) -> Int {
        let size = bodySize
        var written = buffer.writeVarint(Int32(size))
        written += buffer.writeInteger(Int8(0))
        written += buffer.writeVarlong(timestampDelta)
        written += buffer.writeVarint(offsetDelta)
        written += Self.writeBytes(key, into: &buffer)
        written += Self.writeBytes(value, into: &buffer)
        written += buffer.writeVarint(Int32(headers.count))
        for header in headers {
            let keyLength = header.key.utf8.count
            written += buffer.writeVarint(Int32(keyLength))
            written += buffer.writeString(header.key)
            written += Self.writeBytes(header.value, into: &buffer)
        }
        assert(written == ByteBuffer.varintSize(Int32(size)) + size, "record size mismatch")
        return written
    }

    /// Size after the length prefix. Records are at most a batch, so Int32 lengths never overflow here.
    var bodySize: Int {
        var size = 1 + ByteBuffer.varlongSize(timestampDelta) + ByteBuffer.varintSize(offsetDelta)
        size += Self.bytesSize(key) + Self.bytesSize(value) + ByteBuffer.varintSize(Int32(headers.count))
        for header in headers {
            let keyLength = header.key.utf8.count
            size += ByteBuffer.varintSize(Int32(keyLength)) + keyLength + Self.bytesSize(header.value)
        }
        return size
    }

    private static func bytesSize(_ bytes: ByteBuffer?) -> Int {
        guard let bytes else { return ByteBuffer.varintSize(-1) }
        return ByteBuffer.varintSize(Int32(bytes.readableBytes)) + bytes.readableBytes
    }

    private static func writeBytes(_ bytes: ByteBuffer?, into buffer: inout ByteBuffer) -> Int {
        guard let bytes else { return buffer.writeVarint(-1) }
        return buffer.writeVarint(Int32(bytes.readableBytes)) + buffer.writeImmutableBuffer(bytes)
    }

    /// Reads one record at the reader index of `buffer`. Keys, values and header values are slices of
    /// `buffer` (no copy). Every length is checked against the bytes present before it is used, and the
    /// record must use exactly the bytes its length prefix claims.
    public init(parsing buffer: inout ByteBuffer) throws(RecordBatchError) {
        let length = try buffer.readVarint()
        guard length >= Int32(Self.minimumEncodedSize - 1) else {
            throw RecordBatchError(.invalidRecords, "record length \(length) is too small")
        }
        guard var body = buffer.readSlice(length: Int(length)) else {
            throw RecordBatchError(.truncated, "record of \(length) bytes, \(buffer.readableBytes) left")
        }
        guard body.readInteger(as: Int8.self) != nil else { throw RecordBatchError(.truncated, "record attributes") }
        let timestampDelta = try body.readVarlong()
        let offsetDelta = try body.readVarint()
        let key = try Self.readBytes(from: &body, field: "key")
        let value = try Self.readBytes(from: &body, field: "value")
        let headerCount = try body.readVarint()
        // Each header takes at least 2 bytes (an empty key and a null value): bound the count first.
        guard headerCount >= 0, Int(headerCount) <= body.readableBytes / 2 else {
            throw RecordBatchError(.invalidRecords, "header count \(headerCount) with \(body.readableBytes) bytes left")
        }
        var headers: [RecordHeader] = []
        headers.reserveCapacity(Int(headerCount))
        for _ in 0..<headerCount {
            let keyLength = try body.readVarint()
            guard keyLength >= 0 else { throw RecordBatchError(.invalidRecords, "null or negative header key length \(keyLength)") }
            guard let headerKey = body.readString(length: Int(keyLength)) else {
                throw RecordBatchError(.truncated, "header key of \(keyLength) bytes, \(body.readableBytes) left")
            }
            headers.append(RecordHeader(key: headerKey, value: try Self.readBytes(from: &body, field: "header value")))
        }
        guard body.readableBytes == 0 else {
            throw RecordBatchError(.invalidRecords, "\(body.readableBytes) bytes left inside a record of \(length)")
        }
        self.init(offsetDelta: offsetDelta, timestampDelta: timestampDelta, key: key, value: value, headers: headers)
    }

    private static func readBytes(from body: inout ByteBuffer, field: String) throws(RecordBatchError) -> ByteBuffer? {
        let length = try body.readVarint()
        if length == -1 { return nil }
        guard length >= 0 else { throw RecordBatchError(.invalidRecords, "\(field) length \(length)") }
        guard let bytes = body.readSlice(length: Int(length)) else {
            throw RecordBatchError(.truncated, "\(field) of \(length) bytes, \(body.readableBytes) left")
        }
        return bytes
    }
}
