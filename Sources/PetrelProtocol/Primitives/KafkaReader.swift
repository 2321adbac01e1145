import NIOCore

/// Reads Kafka's primitive encodings from a `ByteBuffer` slice, never trusting a length.
///
/// Every array count and byte/string length is checked against the bytes left before anything is
/// allocated or sliced, so a hostile 2 GiB length in a 40-byte frame fails fast. Errors carry the
/// field name and the byte offset from the start of the buffer the reader was made with.
public struct KafkaReader: Sendable {
    public private(set) var buffer: ByteBuffer
    /// Offset of `buffer.readerIndex` at creation, relative to the outermost frame (nested readers
    /// for tagged fields keep reporting offsets in the outer frame).
    private let baseOffset: Int
    private let startIndex: Int

    public init(buffer: ByteBuffer) {
        self.init(buffer: buffer, baseOffset: 0)
    }

    private init(buffer: ByteBuffer, baseOffset: Int) {
        self.buffer = buffer
        self.baseOffset = baseOffset
        self.startIndex = buffer.readerIndex
    }

    /// Bytes consumed so far, from the start of the outermost buffer.
    public var offset: Int { baseOffset + buffer.readerIndex - startIndex }
    /// Bytes not yet read.
    public var remaining: Int { buffer.readableBytes }

    public mutating func readBool(_ field: String) throws(KafkaCodecError) -> Bool {
        try readInteger(UInt8.self, field) != 0
    }

    public mutating func readInt8(_ field: String) throws(KafkaCodecError) -> Int8 { try readInteger(Int8.self, field) }
    public mutating func readInt16(_ field: String) throws(KafkaCodecError) -> Int16 { try readInteger(Int16.self, field) }
    public mutating func readUInt16(_ field: String) throws(KafkaCodecError) -> UInt16 { try readInteger(UInt16.self, field) }
    public mutating func readInt32(_ field: String) throws(KafkaCodecError) -> Int32 { try readInteger(Int32.self, field) }
    public mutating func readUInt32(_ field: String) throws(KafkaCodecError) -> UInt32 { try readInteger(UInt32.self, field) }
    public mutating func readInt64(_ field: String) throws(KafkaCodecError) -> Int64 { try readInteger(Int64.self, field) }

    public mutating func readFloat64(_ field: String) throws(KafkaCodecError) -> Double {
        Double(bitPattern: try readInteger(UInt64.self, field))
    }

    public mutating func readUuid(_ field: String) throws(KafkaCodecError) -> Uuid {
        try require(16, field)
        let high = try readInteger(UInt64.self, field)
        let low = try readInteger(UInt64.self, field)
        return Uuid(mostSignificantBits: high, leastSignificantBits: low)
    }

    /// Unsigned LEB128 varint of at most 5 bytes.
    public mutating func readUnsignedVarint(_ field: String) throws(KafkaCodecError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readLEB128(field, maxBytes: 5, bits: 32))
    }

    /// Zigzag signed varint of at most 5 bytes.
    public mutating func readVarint(_ field: String) throws(KafkaCodecError) -> Int32 {
        let raw = UInt32(truncatingIfNeeded: try readLEB128(field, maxBytes: 5, bits: 32))
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// Zigzag signed varlong of at most 10 bytes.
    public mutating func readVarlong(_ field: String) throws(KafkaCodecError) -> Int64 {
        let raw = try readLEB128(field, maxBytes: 10, bits: 64)
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    public mutating func readString(_ field: String, compact: Bool) throws(KafkaCodecError) -> String {
        guard let value = try readNullableString(field, compact: compact) else {
            throw error(.nullNotAllowed, field)
        }
        return value
    }

    public mutating func readNullableString(_ field: String, compact: Bool) throws(KafkaCodecError) -> String? {
        guard let length = try readLength(field, compact: compact, shortLength: true) else { return nil }
        return buffer.readString(length: length) ?? ""  // length was checked against readableBytes
    }

    public mutating func readBytes(_ field: String, compact: Bool) throws(KafkaCodecError) -> [UInt8] {
        guard let value = try readNullableBytes(field, compact: compact) else {
            throw error(.nullNotAllowed, field)
        }
        return value
    }

    public mutating func readNullableBytes(_ field: String, compact: Bool) throws(KafkaCodecError) -> [UInt8]? {
        guard let length = try readLength(field, compact: compact, shortLength: false) else { return nil }
        return buffer.readBytes(length: length) ?? []
    }

    /// A `records` field as a slice of the frame (no copy; decoded elsewhere).
    public mutating func readRecords(_ field: String, compact: Bool) throws(KafkaCodecError) -> ByteBuffer {
        guard let value = try readNullableRecords(field, compact: compact) else {
            throw error(.nullNotAllowed, field)
        }
        return value
    }

    public mutating func readNullableRecords(_ field: String, compact: Bool) throws(KafkaCodecError) -> ByteBuffer? {
        guard let length = try readLength(field, compact: compact, shortLength: false) else { return nil }
        return buffer.readSlice(length: length) ?? ByteBuffer()
    }

    /// An array's element count, checked against the bytes left (every element takes at least
    /// one byte in any version that has elements worth sending). Null throws.
    public mutating func readArrayCount(_ field: String, compact: Bool) throws(KafkaCodecError) -> Int {
        guard let count = try readLength(field, compact: compact, shortLength: false) else {
            throw error(.nullNotAllowed, field)
        }
        return count
    }

    /// A nullable array's element count (nil for null), checked like `readArrayCount`.
    public mutating func readNullableArrayCount(_ field: String, compact: Bool) throws(KafkaCodecError) -> Int? {
        try readLength(field, compact: compact, shortLength: false)
    }

    /// The field count of a tagged-fields section, checked against the bytes left (each tagged
    /// field takes at least 2 bytes: tag and size). Follow with that many `readTaggedField()`.
    public mutating func readTaggedFieldCount() throws(KafkaCodecError) -> Int {
        let count = Int(try readUnsignedVarint("TaggedFields"))
        guard count <= remaining / 2 else {
            throw error(.lengthExceedsRemaining, "TaggedFields", detail: "\(count) tagged fields, \(remaining) bytes left")
        }
        return count
    }

    /// One tagged field: its tag and a reader over exactly its value bytes. A known field is
    /// decoded from the reader; an unknown one is kept as `TaggedField(tag:data: reader.buffer)`.
    public mutating func readTaggedField() throws(KafkaCodecError) -> (tag: UInt32, reader: KafkaReader) {
        let tag = try readUnsignedVarint("TaggedFields")
        let size = Int(try readUnsignedVarint("TaggedFields"))
        let fieldOffset = offset
        guard size <= remaining, let data = buffer.readSlice(length: size) else {
            throw error(.lengthExceedsRemaining, "TaggedFields", detail: "tag \(tag) size \(size), \(remaining) bytes left")
        }
        return (tag, KafkaReader(buffer: data, baseOffset: fieldOffset))
    }

    /// Builds an error at the current offset.
    public func error(_ code: KafkaCodecError.Code, _ field: String, detail: String? = nil) -> KafkaCodecError {
        KafkaCodecError(code, field: field, offset: offset, detail: detail)
    }

    private func require(_ count: Int, _ field: String) throws(KafkaCodecError) {
        guard remaining >= count else {
            throw error(.truncated, field, detail: "needs \(count) bytes, \(remaining) left")
        }
    }

    private mutating func readInteger<T: FixedWidthInteger>(_: T.Type, _ field: String) throws(KafkaCodecError) -> T {
        guard let value = buffer.readInteger(as: T.self) else {
            throw error(.truncated, field, detail: "needs \(MemoryLayout<T>.size) bytes, \(remaining) left")
        }
        return value
    }

    private mutating func readLEB128(_ field: String, maxBytes: Int, bits: Int) throws(KafkaCodecError) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<maxBytes {
            let byte = try readInteger(UInt8.self, field)
            value |= UInt64(byte & 0x7F) << UInt64(7 * index)
            if byte & 0x80 == 0 { return value }
        }
        throw error(.invalidVarint, field, detail: "more than \(maxBytes) bytes for a \(bits)-bit varint")
    }

    /// A length prefix: nil for null, otherwise a length no larger than the bytes left.
    private mutating func readLength(_ field: String, compact: Bool, shortLength: Bool) throws(KafkaCodecError) -> Int? {
        let length: Int
        if compact {
            let raw = try readUnsignedVarint(field)
            if raw == 0 { return nil }
            length = Int(raw) - 1
        } else {
            length = shortLength ? Int(try readInt16(field)) : Int(try readInt32(field))
            if length == -1 { return nil }
            guard length >= 0 else { throw error(.invalidLength, field, detail: "length \(length)") }
        }
        guard length <= remaining else {
            throw error(.lengthExceedsRemaining, field, detail: "length \(length), \(remaining) bytes left")
        }
        return length
    }
}
