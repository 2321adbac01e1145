import NIOCore

/// The fixed 61-byte header of a record batch v2 (magic 2), read without touching the records.
///
/// On the wire and on disk (big-endian):
/// ```
/// offset  size  field
///      0     8  baseOffset
///      8     4  batchLength            bytes after this field (total size = batchLength + 12)
///     12     4  partitionLeaderEpoch
///     16     1  magic                  2
///     17     4  crc                    CRC-32C of bytes 21..<end (attributes to end)
///     21     2  attributes             bits 0-2 compression, 3 timestamp type, 4 transactional,
///                                      5 control, 6 delete horizon present
///     23     4  lastOffsetDelta
///     27     8  baseTimestamp
///     35     8  maxTimestamp
///     43     8  producerId
///     51     2  producerEpoch
///     53     4  baseSequence
///     57     4  recordCount
///     61        records...
/// ```
/// `baseOffset` and `partitionLeaderEpoch` sit before the CRC'd range, which is why a broker can
/// patch them in place without recomputing the checksum.
public struct RecordBatchHeader: Hashable, Sendable {
    public static let size = 61
    /// Bytes before the `batchLength` field's coverage starts (baseOffset + batchLength).
    public static let logOverhead = 12
    public static let currentMagic: Int8 = 2

    public enum Field {
        public static let baseOffset = 0
        public static let batchLength = 8
        public static let partitionLeaderEpoch = 12
        public static let magic = 16
        public static let crc = 17
        public static let attributes = 21
        public static let lastOffsetDelta = 23
        public static let baseTimestamp = 27
        public static let maxTimestamp = 35
        public static let producerId = 43
        public static let producerEpoch = 51
        public static let baseSequence = 53
        public static let recordCount = 57
    }

    public var baseOffset: Int64
    public var batchLength: Int32
    public var partitionLeaderEpoch: Int32
    public var magic: Int8
    public var crc: UInt32
    public var attributes: RecordBatchAttributes
    public var lastOffsetDelta: Int32
    public var baseTimestamp: Int64
    public var maxTimestamp: Int64
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var recordCount: Int32

    public init(
        baseOffset: Int64 = 0, batchLength: Int32 = 0, partitionLeaderEpoch: Int32 = -1,
        magic: Int8 = RecordBatchHeader.currentMagic, crc: UInt32 = 0, attributes: RecordBatchAttributes = [],
        lastOffsetDelta: Int32 = 0, baseTimestamp: Int64 = 0, maxTimestamp: Int64 = 0,
        producerId: Int64 = -1, producerEpoch: Int16 = -1, baseSequence: Int32 = -1, recordCount: Int32 = 0
    ) {
        self.baseOffset = baseOffset
        self.batchLength = batchLength
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.magic = magic
        self.crc = crc
        self.attributes = attributes
        self.lastOffsetDelta = lastOffsetDelta
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = maxTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.recordCount = recordCount
    }

    /// Total bytes of the batch, header included.
    public var totalSize: Int { Int(batchLength) + Self.logOverhead }
    public var lastOffset: Int64 { baseOffset + Int64(lastOffsetDelta) }
    /// The offset after this batch: the log end offset once it is appended.
    public var nextOffset: Int64 { lastOffset + 1 }
    public var isIdempotent: Bool { producerId >= 0 }
    /// The sequence of the last record, wrapping at Int32.max as Kafka does.
    public var lastSequence: Int32 {
        baseSequence < 0 ? -1 : Int32(truncatingIfNeeded: (Int64(baseSequence) + Int64(lastOffsetDelta)) % (Int64(Int32.max) + 1))
    }
}

/// Bit set of record batch v2 `attributes`.
public struct RecordBatchAttributes: OptionSet, Hashable, Sendable {
    public var rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let logAppendTime = RecordBatchAttributes(rawValue: 1 << 3)
    public static let transactional = RecordBatchAttributes(rawValue: 1 << 4)
    public static let control = RecordBatchAttributes(rawValue: 1 << 5)
    public static let deleteHorizon = RecordBatchAttributes(rawValue: 1 << 6)
    static let compressionMask: Int16 = 0x07

    /// Bits 0-2: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd.
    public var compressionType: Int16 {
        get { rawValue & Self.compressionMask }
        set { rawValue = (rawValue & ~Self.compressionMask) | (newValue & Self.compressionMask) }
    }
}

/// Why a record batch was rejected; maps to CORRUPT_MESSAGE / INVALID_RECORD on the wire.
public struct RecordBatchError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable {
        case truncated
        case invalidLength
        case unsupportedMagic
        case crcMismatch
        case invalidRecords
        case unsupportedCompression
    }
    public var code: Code
    public var detail: String
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }
    public var description: String { "record batch \(code): \(detail)" }
}

extension RecordBatchHeader {
    /// Reads the header at `index` of `buffer` without moving its reader index.
    /// Checks only what the header itself can tell: enough bytes, magic 2, a sane `batchLength`.
    public init(parsing buffer: ByteBuffer, at index: Int) throws(RecordBatchError) {
        guard buffer.writerIndex - index >= Self.size else {
            throw RecordBatchError(.truncated, "need \(Self.size) header bytes, have \(buffer.writerIndex - index)")
        }
        func int64(_ field: Int) -> Int64 { buffer.getInteger(at: index + field, as: Int64.self)! }
        func int32(_ field: Int) -> Int32 { buffer.getInteger(at: index + field, as: Int32.self)! }
        func int16(_ field: Int) -> Int16 { buffer.getInteger(at: index + field, as: Int16.self)! }
        let magic = buffer.getInteger(at: index + Field.magic, as: Int8.self)!
        guard magic == Self.currentMagic else {
            throw RecordBatchError(.unsupportedMagic, "magic \(magic); only record batch v2 is supported")
        }
        let batchLength = int32(Field.batchLength)
        guard Int(batchLength) >= Self.size - Self.logOverhead else {
            throw RecordBatchError(.invalidLength, "batchLength \(batchLength) is shorter than the header")
        }
        self.init(
            baseOffset: int64(Field.baseOffset), batchLength: batchLength,
            partitionLeaderEpoch: int32(Field.partitionLeaderEpoch), magic: magic,
            crc: buffer.getInteger(at: index + Field.crc, as: UInt32.self)!,
            attributes: RecordBatchAttributes(rawValue: int16(Field.attributes)),
            lastOffsetDelta: int32(Field.lastOffsetDelta), baseTimestamp: int64(Field.baseTimestamp),
            maxTimestamp: int64(Field.maxTimestamp), producerId: int64(Field.producerId),
            producerEpoch: int16(Field.producerEpoch), baseSequence: int32(Field.baseSequence),
            recordCount: int32(Field.recordCount)
        )
    }

    /// Verifies that the whole batch is present at `index` and that its CRC-32C matches.
    public func verifyChecksum(in buffer: ByteBuffer, at index: Int) throws(RecordBatchError) {
        guard buffer.writerIndex - index >= totalSize else {
            throw RecordBatchError(.truncated, "batch of \(totalSize) bytes, have \(buffer.writerIndex - index)")
        }
        let computed = CRC32C.checksum(buffer, range: (index + Field.attributes)..<(index + totalSize))
        guard computed == crc else {
            throw RecordBatchError(.crcMismatch, "stored crc \(crc), computed \(computed)")
        }
    }

    /// Writes the 61 header bytes at `index` (no CRC computation; see `RecordBatchHeader.sealCRC`).
    public func write(into buffer: inout ByteBuffer, at index: Int) {
        buffer.setInteger(baseOffset, at: index + Field.baseOffset)
        buffer.setInteger(batchLength, at: index + Field.batchLength)
        buffer.setInteger(partitionLeaderEpoch, at: index + Field.partitionLeaderEpoch)
        buffer.setInteger(magic, at: index + Field.magic)
        buffer.setInteger(crc, at: index + Field.crc)
        buffer.setInteger(attributes.rawValue, at: index + Field.attributes)
        buffer.setInteger(lastOffsetDelta, at: index + Field.lastOffsetDelta)
        buffer.setInteger(baseTimestamp, at: index + Field.baseTimestamp)
        buffer.setInteger(maxTimestamp, at: index + Field.maxTimestamp)
        buffer.setInteger(producerId, at: index + Field.producerId)
        buffer.setInteger(producerEpoch, at: index + Field.producerEpoch)
        buffer.setInteger(baseSequence, at: index + Field.baseSequence)
        buffer.setInteger(recordCount, at: index + Field.recordCount)
    }

    /// Recomputes and stores the CRC of the complete batch at `index` (after rewriting a CRC'd field).
    public static func sealCRC(in buffer: inout ByteBuffer, at index: Int) {
        let total = Int(buffer.getInteger(at: index + Field.batchLength, as: Int32.self)!) + logOverhead
        let crc = CRC32C.checksum(buffer, range: (index + Field.attributes)..<(index + total))
        buffer.setInteger(crc, at: index + Field.crc)
    }
}
