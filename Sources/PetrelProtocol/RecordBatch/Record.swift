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
        Self.withBytes(key) { key in
            Self.withBytes(value) { value in
                Self.write(offsetDelta: offsetDelta, timestampDelta: timestampDelta, key: key, value: value,
                           headers: headers, into: &buffer)
            }
        }
    }

    /// Appends a record given by its parts (nil key or value: null) to `buffer`; returns the bytes
    /// written. The length prefix, deltas, key and value go in after a single capacity check, as one
    /// block; headers (rare) follow field by field. The one record encoder: `write(into:)` and
    /// `RecordBatchWriter` both use it.
    @discardableResult
    public static func write(
        offsetDelta: Int32, timestampDelta: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: [RecordHeader], into buffer: inout ByteBuffer
    ) -> Int {
        let keyLength = length(of: key)
        let valueLength = length(of: value)
        let blockBody = 1 + ByteBuffer.varlongSize(timestampDelta) + ByteBuffer.varintSize(offsetDelta)
            + ByteBuffer.varintSize(keyLength) + max(0, Int(keyLength))
            + ByteBuffer.varintSize(valueLength) + max(0, Int(valueLength))
        let headersSize = headersSize(headers)
        let bodyLength = length(blockBody + headersSize)
        let blockSize = ByteBuffer.varintSize(bodyLength) + blockBody
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: blockSize) { out in
            let start = out.baseAddress.unsafelyUnwrapped
            var at = ByteBuffer.putVarint(bodyLength, at: start)
            start.storeBytes(of: 0, toByteOffset: at, as: UInt8.self)  // attributes
            at += 1
            at += ByteBuffer.putVarlong(timestampDelta, at: start + at)
            at += ByteBuffer.putVarint(offsetDelta, at: start + at)
            at += put(key, length: keyLength, at: start + at)
            at += put(value, length: valueLength, at: start + at)
            return at
        }
        buffer.writeVarint(Int32(headers.count))
        for header in headers {
            buffer.writeVarint(length(header.key.utf8.count))
            buffer.writeString(header.key)
            withBytes(header.value) { value in
                buffer.writeVarint(length(of: value))
                if let value { buffer.writeBytes(value) }
            }
        }
        return blockSize + headersSize
    }

    /// Size after the length prefix.
    var bodySize: Int {
        1 + ByteBuffer.varlongSize(timestampDelta) + ByteBuffer.varintSize(offsetDelta)
            + Self.bytesSize(key?.readableBytes) + Self.bytesSize(value?.readableBytes) + Self.headersSize(headers)
    }

    /// The header count and the headers, as encoded.
    private static func headersSize(_ headers: [RecordHeader]) -> Int {
        var size = ByteBuffer.varintSize(Int32(headers.count))
        for header in headers {
            size += bytesSize(header.key.utf8.count) + bytesSize(header.value?.readableBytes)
        }
        return size
    }

    /// A length-prefixed byte string's size; nil is the null marker alone.
    private static func bytesSize(_ count: Int?) -> Int {
        guard let count else { return ByteBuffer.varintSize(-1) }
        return ByteBuffer.varintSize(length(count)) + count
    }

    /// Lengths inside a record are Int32 on the wire; a record is at most a batch, so this never traps
    /// for anything a producer accepts (`max.request.size` is an Int32 too).
    private static func length(_ count: Int) -> Int32 {
        precondition(count <= Int(Int32.max), "record field of \(count) bytes")
        return Int32(truncatingIfNeeded: count)
    }

    private static func length(of bytes: UnsafeRawBufferPointer?) -> Int32 {
        bytes.map { length($0.count) } ?? -1
    }

    /// Stores a length-prefixed byte string (length -1 for nil) at `pointer`; returns the bytes stored.
    private static func put(_ bytes: UnsafeRawBufferPointer?, length: Int32, at pointer: UnsafeMutableRawPointer) -> Int {
        let prefix = ByteBuffer.putVarint(length, at: pointer)
        guard let bytes, let source = bytes.baseAddress, !bytes.isEmpty else { return prefix }
        (pointer + prefix).copyMemory(from: source, byteCount: bytes.count)
        return prefix + bytes.count
    }

    private static func withBytes<Result>(_ bytes: ByteBuffer?, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        guard let bytes else { return body(nil) }
        return bytes.withUnsafeReadableBytes { body($0) }
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
