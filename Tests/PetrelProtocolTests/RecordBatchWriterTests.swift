import NIOCore
import PetrelProtocol
import Testing

/// The one-bounds-check varint and record writers against a byte-at-a-time reference (Kafka's
/// `ByteUtils.writeVarint`/`writeVarlong`), and `RecordBatchWriter` against `RecordBatchBuilder`.
@Suite struct RecordBatchWriterTests {
    /// Kafka's loop: 7 bits at a time, least significant group first, high bit on all but the last.
    static func referenceUnsignedVarint(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        while rest & ~0x7F != 0 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
        return bytes
    }

    static func referenceVarint(_ value: Int32) -> [UInt8] {
        referenceUnsignedVarint(UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31))))
    }

    static func referenceVarlong(_ value: Int64) -> [UInt8] {
        referenceUnsignedVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// The boundaries where the encoded length changes (raw and zigzagged), the extremes, then random
    /// values of every magnitude.
    static func int64Samples() -> [Int64] {
        var values: [Int64] = [0, 1, -1, 63, -64, 64, -65, 127, -127, 128, -128, 16_383, -16_383, 16_384, -16_384,
                               8_191, -8_192, 8_192, Int64(Int32.min), Int64(Int32.max), Int64.min, Int64.max]
        for bits in stride(from: 7, through: 56, by: 7) {
            let edge = Int64(1) << bits
            values += [edge - 1, edge, -edge, -edge - 1, edge / 2 - 1, edge / 2, -(edge / 2) - 1]
        }
        var random = SplitMix64(seed: 0x7A41_9E2B)
        for _ in 0..<2_000 {
            let shift = Int(random.next() % 64)
            values.append(Int64(bitPattern: random.next()) >> shift)
        }
        return values
    }

    @Test func varlongWriterMatchesTheReference() throws {
        // A small buffer with a reader offset, so writes cross capacity growth and start mid-buffer.
        var buffer = ByteBufferAllocator().buffer(capacity: 3)
        buffer.writeInteger(UInt8(0xAA))
        buffer.moveReaderIndex(forwardBy: 1)
        for value in Self.int64Samples() {
            let start = buffer.writerIndex
            let written = buffer.writeVarlong(value)
            let expected = Self.referenceVarlong(value)
            #expect(written == expected.count && written == ByteBuffer.varlongSize(value), "\(value)")
            #expect(buffer.getBytes(at: start, length: written) == expected, "\(value)")
        }
        for value in Self.int64Samples() {
            #expect(try buffer.readVarlong() == value)
        }
        #expect(buffer.readableBytes == 0)
    }

    @Test func varintWriterMatchesTheReference() throws {
        let values = Self.int64Samples().map { Int32(truncatingIfNeeded: $0) }
        var buffer = ByteBuffer()
        for value in values {
            let start = buffer.writerIndex
            let written = buffer.writeVarint(value)
            let expected = Self.referenceVarint(value)
            #expect(written == expected.count && written == ByteBuffer.varintSize(value), "\(value)")
            #expect(buffer.getBytes(at: start, length: written) == expected, "\(value)")
        }
        for value in values {
            #expect(try buffer.readVarint() == value)
        }
    }

    /// The record layout of the Kafka docs, written field by field with the reference varints.
    static func referenceRecord(_ record: Record) -> [UInt8] {
        func bytes(_ buffer: ByteBuffer?) -> [UInt8] {
            guard let buffer else { return referenceVarint(-1) }
            return referenceVarint(Int32(buffer.readableBytes)) + Array(buffer.readableBytesView)
        }
        var body: [UInt8] = [0] + referenceVarlong(record.timestampDelta) + referenceVarint(record.offsetDelta)
        body += bytes(record.key) + bytes(record.value) + referenceVarint(Int32(record.headers.count))
        for header in record.headers {
            body += referenceVarint(Int32(header.key.utf8.count)) + Array(header.key.utf8) + bytes(header.value)
        }
        return referenceVarint(Int32(body.count)) + body
    }

    static func randomBytes(_ random: inout SplitMix64, maxLength: Int) -> ByteBuffer? {
        let length = Int(random.next() % UInt64(maxLength + 2)) - 1
        guard length >= 0 else { return nil }
        return ByteBuffer(bytes: (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) })
    }

    static func randomRecords(count: Int, seed: UInt64) -> [(key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader], timestamp: Int64)] {
        var random = SplitMix64(seed: seed)
        let base = Int64(1_700_000_000_000)
        return (0..<count).map { _ in
            let headers = (0..<Int(random.next() % 3)).map { index in
                RecordHeader(key: "h\(index)-\(random.next() % 1000)", value: randomBytes(&random, maxLength: 8))
            }
            // Up and down from the base, so deltas are negative too and maxTimestamp is not the last one.
            let timestamp = base + Int64(random.next() % 200_000) - 100_000
            return (randomBytes(&random, maxLength: 40), randomBytes(&random, maxLength: 300), headers, timestamp)
        }
    }

    @Test func recordWriterMatchesTheReferenceLayout() throws {
        var random = SplitMix64(seed: 0x5EC0_4D)
        for (index, sample) in Self.randomRecords(count: 300, seed: 0xBEEF).enumerated() {
            let record = Record(
                offsetDelta: Int32(truncatingIfNeeded: random.next() >> UInt64(33 + index % 31)),
                timestampDelta: Int64(bitPattern: random.next()) >> UInt64(index % 64),
                key: sample.key, value: sample.value, headers: sample.headers)
            var buffer = ByteBuffer()
            let written = record.write(into: &buffer)
            let expected = Self.referenceRecord(record)
            #expect(written == expected.count)
            #expect(Array(buffer.readableBytesView) == expected)
            #expect(try Record(parsing: &buffer) == record)
        }
    }

    @Test(arguments: CompressionCodec.allCases)
    func writerBuildsTheBuildersBatch(codec: CompressionCodec) throws {
        let records = Self.randomRecords(count: 500, seed: 0xC0DE + UInt64(codec.rawValue))
        var builder = RecordBatchBuilder(compression: codec, producerId: 4242, producerEpoch: 3, baseSequence: 77)
        var writer = RecordBatchWriter(capacity: 64)  // grows as records arrive
        for record in records {
            builder.append(key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp)
            writer.append(key: record.key.map { Array($0.readableBytesView) }, value: record.value.map { Array($0.readableBytesView) },
                          headers: record.headers, timestamp: record.timestamp)
        }
        writer.seal(producerId: 4242, producerEpoch: 3, baseSequence: 77)
        let expected = try builder.build()
        let batch = try writer.compressed(with: codec)
        #expect(batch == expected)
        let parsed = try RecordBatch(batch)
        try parsed.verifyChecksum()
        #expect(parsed.header.recordCount == 500)
        var iterator = try parsed.records(maxDecompressedBytes: 1 << 20)
        #expect(try iterator.collect() == builder.records)
    }

    @Test func resetStartsAFreshBatchAndResealingChangesNothing() throws {
        var writer = RecordBatchWriter(capacity: 4096)
        writer.append(key: nil, value: [1, 2, 3], timestamp: 10)
        writer.seal()
        writer.reset()
        #expect(writer.isEmpty && writer.size == RecordBatchHeader.size)
        writer.append(key: [9], value: nil, timestamp: 50)
        writer.append(key: nil, value: [], timestamp: 40)
        writer.seal(baseSequence: 5)
        let first = writer.buffer
        writer.seal(baseSequence: 5)
        #expect(writer.buffer == first)

        var builder = RecordBatchBuilder(baseSequence: 5)
        builder.append(key: ByteBuffer(bytes: [9]), value: nil, timestamp: 50)
        builder.append(key: nil, value: ByteBuffer(), timestamp: 40)
        #expect(writer.buffer == (try builder.build()))
        #expect(try RecordBatch(writer.buffer).header.maxTimestamp == 50)
    }

    @Test func emptyWriterSealsLikeAnEmptyBuilder() throws {
        var writer = RecordBatchWriter(capacity: 0)
        writer.seal()
        #expect(writer.buffer == (try RecordBatchBuilder().build()))
    }
}
