import NIOCore

/// Writes Kafka's primitive encodings into a `ByteBuffer` (big-endian, as on the wire).
///
/// `compact` selects the flexible-version form of a variable-length field: an unsigned varint of
/// length + 1 (0 meaning null) instead of an int16/int32 length (-1 meaning null).
/// Only writes whose value may not fit the encoding throw.
public struct KafkaWriter: Sendable {
    public var buffer: ByteBuffer
    /// `records` fields of at least this many bytes are not copied into `buffer`: `writeRecords` writes
    /// their length prefix and notes them in `detachedRecords`, for a frame written as several buffers
    /// (a producer's batches). Nil, the default, copies every one.
    public var detachRecordsOfAtLeast: Int?
    /// The `records` left out of `buffer`, in order, each with the writer index where its bytes belong.
    public private(set) var detachedRecords: [DetachedRecords] = []

    /// A `records` field's bytes that belong at `writerIndex` of the writer's buffer.
    public struct DetachedRecords: Sendable {
        public var writerIndex: Int
        public var records: ByteBuffer
    }

    public init(buffer: ByteBuffer = ByteBuffer()) {
        self.buffer = buffer
    }

    public mutating func writeBool(_ value: Bool) { buffer.writeInteger(value ? 1 : 0, as: UInt8.self) }
    public mutating func writeInt8(_ value: Int8) { buffer.writeInteger(value) }
    public mutating func writeInt16(_ value: Int16) { buffer.writeInteger(value) }
    public mutating func writeUInt16(_ value: UInt16) { buffer.writeInteger(value) }
    public mutating func writeInt32(_ value: Int32) { buffer.writeInteger(value) }
    public mutating func writeUInt32(_ value: UInt32) { buffer.writeInteger(value) }
    public mutating func writeInt64(_ value: Int64) { buffer.writeInteger(value) }
    public mutating func writeFloat64(_ value: Double) { buffer.writeInteger(value.bitPattern) }

    public mutating func writeUuid(_ value: Uuid) {
        buffer.writeInteger(value.mostSignificantBits)
        buffer.writeInteger(value.leastSignificantBits)
    }

    /// Unsigned LEB128 varint (compact lengths, tags, tagged-field counts).
    public mutating func writeUnsignedVarint(_ value: UInt32) {
        var rest = value
        while rest >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        buffer.writeInteger(UInt8(rest))
    }

    /// Zigzag-encoded signed varint (record fields).
    public mutating func writeVarint(_ value: Int32) {
        writeUnsignedVarint(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }

    /// Zigzag-encoded signed varlong (record fields).
    public mutating func writeVarlong(_ value: Int64) {
        var rest = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while rest >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        buffer.writeInteger(UInt8(rest))
    }

    public mutating func writeString(_ value: String, compact: Bool, field: String) throws(KafkaCodecError) {
        try writeLength(value.utf8.count, compact: compact, shortLength: true, field: field)
        buffer.writeString(value)
    }

    public mutating func writeNullableString(_ value: String?, compact: Bool, field: String) throws(KafkaCodecError) {
        guard let value else { return writeNullLength(compact: compact, shortLength: true) }
        try writeString(value, compact: compact, field: field)
    }

    public mutating func writeBytes(_ value: [UInt8], compact: Bool, field: String) throws(KafkaCodecError) {
        try writeLength(value.count, compact: compact, shortLength: false, field: field)
        buffer.writeBytes(value)
    }

    public mutating func writeNullableBytes(_ value: [UInt8]?, compact: Bool, field: String) throws(KafkaCodecError) {
        guard let value else { return writeNullLength(compact: compact, shortLength: false) }
        try writeBytes(value, compact: compact, field: field)
    }

    /// A `records` field: the readable bytes of `value` with a bytes-style length prefix.
    public mutating func writeRecords(_ value: ByteBuffer, compact: Bool, field: String) throws(KafkaCodecError) {
        try writeLength(value.readableBytes, compact: compact, shortLength: false, field: field)
        if let threshold = detachRecordsOfAtLeast, value.readableBytes >= threshold {
            detachedRecords.append(DetachedRecords(writerIndex: buffer.writerIndex, records: value))
            return
        }
        var copy = value
        buffer.writeBuffer(&copy)
    }

    public mutating func writeNullableRecords(_ value: ByteBuffer?, compact: Bool, field: String) throws(KafkaCodecError) {
        guard let value else { return writeNullLength(compact: compact, shortLength: false) }
        try writeRecords(value, compact: compact, field: field)
    }

    /// An array's element count; the caller then writes the elements.
    public mutating func writeArrayCount(_ count: Int, compact: Bool, field: String) throws(KafkaCodecError) {
        try writeLength(count, compact: compact, shortLength: false, field: field)
    }

    /// A nullable array's element count (nil writes the null marker).
    public mutating func writeNullableArrayCount(_ count: Int?, compact: Bool, field: String) throws(KafkaCodecError) {
        guard let count else { return writeNullLength(compact: compact, shortLength: false) }
        try writeLength(count, compact: compact, shortLength: false, field: field)
    }

    /// The tagged-fields section of a flexible version: the count, then each field as tag, size and
    /// bytes in ascending tag order. `known` holds the encoded known fields that differ from their
    /// defaults; `unknown` the fields kept from decoding. A tag in both throws.
    public mutating func writeTaggedFields(known: [TaggedField], unknown: [TaggedField]) throws(KafkaCodecError) {
        var all = known
        all.append(contentsOf: unknown)
        if !unknown.isEmpty {
            all.sort { $0.tag < $1.tag }
            for index in all.indices.dropFirst() where all[index].tag == all[index - 1].tag {
                throw KafkaCodecError(.duplicateTag, field: "TaggedFields", detail: "tag \(all[index].tag)")
            }
        }
        writeUnsignedVarint(UInt32(all.count))
        for field in all {
            writeUnsignedVarint(field.tag)
            writeUnsignedVarint(UInt32(field.data.readableBytes))
            var data = field.data
            buffer.writeBuffer(&data)
        }
    }

    private mutating func writeLength(_ count: Int, compact: Bool, shortLength: Bool, field: String) throws(KafkaCodecError) {
        if compact {
            guard count < Int(UInt32.max) else {
                throw KafkaCodecError(.valueTooLarge, field: field, detail: "length \(count)")
            }
            writeUnsignedVarint(UInt32(count + 1))
        } else if shortLength {
            guard count <= Int(Int16.max) else {
                throw KafkaCodecError(.valueTooLarge, field: field, detail: "length \(count) exceeds int16")
            }
            writeInt16(Int16(count))
        } else {
            guard count <= Int(Int32.max) else {
                throw KafkaCodecError(.valueTooLarge, field: field, detail: "length \(count) exceeds int32")
            }
            writeInt32(Int32(count))
        }
    }

    private mutating func writeNullLength(compact: Bool, shortLength: Bool) {
        if compact {
            writeUnsignedVarint(0)
        } else if shortLength {
            writeInt16(-1)
        } else {
            writeInt32(-1)
        }
    }
}
