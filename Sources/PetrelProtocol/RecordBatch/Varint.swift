import NIOCore

/// Zigzag varints as used inside record batch v2 records (Kafka's `ByteUtils.writeVarint/writeVarlong`):
/// the signed value is zigzag-mapped (0, -1, 1, -2 ... to 0, 1, 2, 3 ...), then written 7 bits at a time,
/// least significant group first, with the high bit set on every byte but the last.
extension ByteBuffer {
    /// Bytes `writeVarint(value)` takes: 1 to 5.
    public static func varintSize(_ value: Int32) -> Int { unsignedVarintSize(UInt64(zigzag(value))) }

    /// Bytes `writeVarlong(value)` takes: 1 to 10.
    public static func varlongSize(_ value: Int64) -> Int { unsignedVarintSize(zigzag(value)) }

    @discardableResult
    public mutating func writeVarint(_ value: Int32) -> Int { writeUnsignedVarint(UInt64(Self.zigzag(value))) }

    @discardableResult
    public mutating func writeVarlong(_ value: Int64) -> Int { writeUnsignedVarint(Self.zigzag(value)) }

    /// Reads a zigzag varint of at most 5 bytes; the reader index moves only on success.
    public mutating func readVarint() throws(RecordBatchError) -> Int32 {
        let raw = try readUnsignedVarint(maxBytes: 5, maxValue: UInt64(UInt32.max))
        let value = UInt32(truncatingIfNeeded: raw)
        return Int32(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }

    /// Reads a zigzag varlong of at most 10 bytes; the reader index moves only on success.
    public mutating func readVarlong() throws(RecordBatchError) -> Int64 {
        let raw = try readUnsignedVarint(maxBytes: 10, maxValue: UInt64.max)
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    private static func zigzag(_ value: Int32) -> UInt32 { UInt32(bitPattern: (value << 1) ^ (value >> 31)) }
    private static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    private static func unsignedVarintSize(_ value: UInt64) -> Int {
        max(1, (64 - value.leadingZeroBitCount + 6) / 7)
    }

    /// Writes all bytes of the varint after one capacity check (not one `setInteger` per byte).
    private mutating func writeUnsignedVarint(_ value: UInt64) -> Int {
        writeWithUnsafeMutableBytes(minimumWritableBytes: Self.unsignedVarintSize(value)) { out in
            Self.putUnsignedVarint(value, at: out.baseAddress.unsafelyUnwrapped)
        }
    }

    /// Stores `value` as an unsigned varint at `pointer`, which must have room for
    /// `unsignedVarintSize(value)` bytes; returns the bytes stored. Used by writers that reserve the room
    /// for a whole record at once (`Record.write`).
    static func putUnsignedVarint(_ value: UInt64, at pointer: UnsafeMutableRawPointer) -> Int {
        var remaining = value
        var index = 0
        while remaining >= 0x80 {
            pointer.storeBytes(of: UInt8(truncatingIfNeeded: remaining) | 0x80, toByteOffset: index, as: UInt8.self)
            remaining >>= 7
            index += 1
        }
        pointer.storeBytes(of: UInt8(remaining), toByteOffset: index, as: UInt8.self)
        return index + 1
    }

    /// `putUnsignedVarint` of the zigzag form of `value` (`writeVarint`).
    static func putVarint(_ value: Int32, at pointer: UnsafeMutableRawPointer) -> Int {
        putUnsignedVarint(UInt64(zigzag(value)), at: pointer)
    }

    /// `putUnsignedVarint` of the zigzag form of `value` (`writeVarlong`).
    static func putVarlong(_ value: Int64, at pointer: UnsafeMutableRawPointer) -> Int {
        putUnsignedVarint(zigzag(value), at: pointer)
    }

    private mutating func readUnsignedVarint(maxBytes: Int, maxValue: UInt64) throws(RecordBatchError) -> UInt64 {
        var value: UInt64 = 0
        var index = readerIndex
        for count in 0..<maxBytes {
            guard let byte = getInteger(at: index, as: UInt8.self) else {
                throw RecordBatchError(.truncated, "varint cut off after \(count) bytes")
            }
            index += 1
            let group = UInt64(byte & 0x7F)
            let shift = UInt64(7 * count)
            // The last group may only fill the bits left; anything above would be silently dropped.
            guard group <= maxValue >> shift else { throw RecordBatchError(.invalidRecords, "varint overflows") }
            value |= group << shift
            if byte & 0x80 == 0 {
                moveReaderIndex(to: index)
                return value
            }
        }
        throw RecordBatchError(.invalidRecords, "varint longer than \(maxBytes) bytes")
    }
}
