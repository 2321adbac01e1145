import NIOCore
import PetrelProtocol
import Testing

@Suite struct RecordBatchTests {
    static let bound = 1 << 24

    /// Records covering the shapes a batch must carry: keys, null keys, tombstones, empty values, headers
    /// with null values, and varint-extreme deltas.
    static func sampleRecords() -> [Record] {
        let text = { (s: String) in ByteBuffer(string: s) }
        return [
            Record(offsetDelta: 0, timestampDelta: 0, key: text("k0"), value: text("v0")),
            Record(offsetDelta: 1, timestampDelta: 5, key: nil, value: text("no key")),
            Record(offsetDelta: 2, timestampDelta: -1, key: text("deleted"), value: nil),
            Record(offsetDelta: 3, timestampDelta: 7, key: ByteBuffer(), value: ByteBuffer(),
                   headers: [RecordHeader(key: "trace", value: text("abc")), RecordHeader(key: "", value: nil),
                             RecordHeader(key: "ünïcode", value: ByteBuffer())]),
            Record(offsetDelta: 10, timestampDelta: Int64(Int32.max) + 1, key: text("gap"), value: samplePayload(count: 3000, seed: 4)),
            Record(offsetDelta: Int32.max, timestampDelta: Int64.max, key: nil, value: nil),
        ]
    }

    static func build(_ records: [Record], compression: CompressionCodec, baseTimestamp: Int64 = 1_700_000_000_000) throws -> ByteBuffer {
        var builder = RecordBatchBuilder(
            baseOffset: 42, partitionLeaderEpoch: 7, compression: compression, producerId: 1234, producerEpoch: 3, baseSequence: 100)
        for record in records { builder.append(record, baseTimestamp: baseTimestamp) }
        return try builder.build()
    }

    @Test(arguments: CompressionCodec.allCases)
    func builderToReaderRoundTrip(compression: CompressionCodec) throws {
        let records = Self.sampleRecords()
        // baseTimestamp 0 keeps the Int64.max delta an honest absolute timestamp.
        let bytes = try Self.build(records, compression: compression, baseTimestamp: 0)
        let batch = try RecordBatch(bytes)
        try batch.verifyChecksum()
        let header = batch.header
        #expect(header.totalSize == bytes.readableBytes)
        #expect(header.baseOffset == 42 && header.partitionLeaderEpoch == 7)
        #expect(header.attributes.compressionType == compression.rawValue)
        #expect(!header.attributes.contains(.logAppendTime) && !header.attributes.contains(.control))
        #expect(header.lastOffsetDelta == Int32.max)
        #expect(header.recordCount == Int32(records.count))
        #expect(header.baseTimestamp == 0)
        #expect(header.maxTimestamp == Int64.max, "the largest record timestamp, not the last")
        #expect(header.producerId == 1234 && header.producerEpoch == 3 && header.baseSequence == 100)
        var iterator = try batch.records(maxDecompressedBytes: Self.bound)
        #expect(try iterator.collect() == records)
        #expect(try iterator.next() == nil)
        #expect(batch.compression == compression)
    }

    @Test func appendAssignsOffsetsAndTimestamps() throws {
        var builder = RecordBatchBuilder(compression: .lz4)
        builder.append(key: nil, value: ByteBuffer(string: "a"), timestamp: 1000)
        builder.append(key: nil, value: ByteBuffer(string: "b"), timestamp: 990)
        builder.append(key: nil, value: ByteBuffer(string: "c"), timestamp: 1020)
        let batch = try RecordBatch(builder.build())
        var iterator = try batch.records(maxDecompressedBytes: Self.bound)
        let records = try iterator.collect()
        #expect(records.map { batch.offset(of: $0) } == [0, 1, 2])
        #expect(records.map { batch.timestamp(of: $0) } == [1000, 990, 1020])
        #expect(batch.header.maxTimestamp == 1020 && batch.header.lastOffsetDelta == 2)
        #expect(!batch.header.isIdempotent)
    }

    @Test func emptyBatchHasNoTimestamps() throws {
        let batch = try RecordBatch(RecordBatchBuilder().build())
        #expect(batch.header.recordCount == 0 && batch.header.maxTimestamp == -1 && batch.header.baseTimestamp == -1)
        var iterator = try batch.records(maxDecompressedBytes: 0)
        #expect(try iterator.next() == nil)
    }

    @Test(arguments: [ControlRecordType.commit, .abort])
    func controlBatchCarriesTheMarker(type: ControlRecordType) throws {
        let marker = EndTransactionMarker(type: type, coordinatorEpoch: 17)
        let batch = try RecordBatch(marker.batch(producerId: 99, producerEpoch: 2, timestamp: 5000, baseOffset: 8))
        try batch.verifyChecksum()
        #expect(batch.header.attributes.contains(.control) && batch.header.attributes.contains(.transactional))
        #expect(batch.header.producerId == 99 && batch.header.recordCount == 1 && batch.header.baseOffset == 8)
        var iterator = try batch.records(maxDecompressedBytes: Self.bound)
        let record = try #require(try iterator.next())
        #expect(record.key?.readableBytesView.elementsEqual([0, 0, 0, UInt8(type.rawValue)]) == true)
        #expect(record.value?.readableBytesView.elementsEqual([0, 0, 0, 0, 0, 17]) == true)
        #expect(try EndTransactionMarker(parsing: record) == marker)
        #expect(throws: RecordBatchError.self) { try ControlRecordType(parsingKey: ByteBuffer(bytes: [0, 0, 0, 9])) }
        #expect(throws: RecordBatchError.self) { try ControlRecordType(parsingKey: ByteBuffer(bytes: [0, 0])) }
    }

    @Test(arguments: [CompressionCodec.none, .zstd])
    func corruptedBytesFailTheChecksum(compression: CompressionCodec) throws {
        let original = try Self.build(Self.sampleRecords(), compression: compression)
        for index in stride(from: RecordBatchHeader.Field.attributes, to: original.readableBytes, by: 97) {
            var corrupted = original
            corrupted.setInteger(corrupted.getInteger(at: index, as: UInt8.self)! ^ 0x40, at: index)
            let error = #expect(throws: RecordBatchError.self) { try RecordBatch(corrupted).verifyChecksum() }
            #expect(error?.code == .crcMismatch || error?.code == .invalidLength, "byte \(index)")
        }
    }

    @Test func truncatedBatchIsDetected() throws {
        let bytes = try Self.build(Self.sampleRecords(), compression: .none)
        for length in [0, 11, 60, 61, bytes.readableBytes - 1] {
            let error = #expect(throws: RecordBatchError.self) { try RecordBatch(bytes.getSlice(at: 0, length: length)!) }
            #expect(error?.code == .truncated, "length \(length)")
        }
    }

    /// Rewrites the header's recordCount (and reseals the CRC) so only the count lies.
    static func withRecordCount(_ count: Int32, _ bytes: ByteBuffer) -> ByteBuffer {
        var patched = bytes
        patched.setInteger(count, at: RecordBatchHeader.Field.recordCount)
        RecordBatchHeader.sealCRC(in: &patched, at: 0)
        return patched
    }

    @Test(arguments: [CompressionCodec.none, .snappy])
    func recordCountLyingAboutTheBytesIsAnError(compression: CompressionCodec) throws {
        let records = Self.sampleRecords()
        let bytes = try Self.build(records, compression: compression)
        for count in [Int32.max, -1, 1_000_000] {
            let batch = try RecordBatch(Self.withRecordCount(count, bytes))
            try batch.verifyChecksum()
            #expect(throws: RecordBatchError.self) { try batch.records(maxDecompressedBytes: Self.bound) }
        }
        // One more than present: the iterator runs out of bytes. One fewer: bytes are left over.
        for count in [Int32(records.count + 1), Int32(records.count - 1)] {
            var iterator = try RecordBatch(Self.withRecordCount(count, bytes)).records(maxDecompressedBytes: Self.bound)
            #expect(throws: RecordBatchError.self) { try iterator.collect() }
        }
    }

    @Test func recordLengthsAreCheckedAgainstTheBytes() throws {
        // A record claiming a 2^20-byte value in a tiny payload, and a header count far above the bytes.
        var payload = ByteBuffer()
        payload.writeVarint(8)
        payload.writeInteger(Int8(0))
        payload.writeVarlong(0)
        payload.writeVarint(0)
        payload.writeVarint(-1)
        payload.writeVarint(1 << 20)
        payload.writeRepeatingByte(0, count: 3)
        var copy = payload
        #expect(throws: RecordBatchError.self) { try Record(parsing: &copy) }

        var headers = ByteBuffer()
        headers.writeVarint(9)
        headers.writeInteger(Int8(0))
        headers.writeVarlong(0)
        headers.writeVarint(0)
        headers.writeVarint(-1)
        headers.writeVarint(-1)
        headers.writeVarint(Int32.max)
        headers.writeRepeatingByte(0, count: 4)
        #expect(throws: RecordBatchError.self) { try Record(parsing: &headers) }
    }

    @Test func compressedPayloadOverTheBoundIsAnError() throws {
        let bytes = try Self.build(Self.sampleRecords(), compression: .gzip)
        let batch = try RecordBatch(bytes)
        #expect(throws: RecordBatchError.self) { try batch.records(maxDecompressedBytes: 100) }
        var unknown = bytes
        unknown.setInteger(Int16(6), at: RecordBatchHeader.Field.attributes)
        RecordBatchHeader.sealCRC(in: &unknown, at: 0)
        let error = #expect(throws: RecordBatchError.self) { try RecordBatch(unknown).records(maxDecompressedBytes: Self.bound) }
        #expect(error?.code == .unsupportedCompression)
    }

    @Test func iteratorWalksConcatenatedBatchesAndStopsAtATornTail() throws {
        var log = ByteBuffer()
        var sizes: [Int] = []
        for (index, codec) in CompressionCodec.allCases.enumerated() {
            var batch = try Self.build(Self.sampleRecords(), compression: codec)
            RecordBatchHeader.setBaseOffset(Int64(index * 100), in: &batch, at: 0)
            sizes.append(batch.readableBytes)
            log.writeBuffer(&batch)
        }
        var seen: [Int64] = []
        var seenSizes: [Int] = []
        try RecordBatch.forEachBatch(in: log) { (header, bytes) throws(RecordBatchError) in
            try RecordBatch(bytes).verifyChecksum()
            seen.append(header.baseOffset)
            seenSizes.append(bytes.readableBytes)
        }
        #expect(seen == [0, 100, 200, 300, 400])
        #expect(seenSizes == sizes)

        let whole = sizes.dropLast().reduce(0, +)
        for torn in [whole + 5, whole + 61, log.readableBytes - 1] {
            var iterator = RecordBatchIterator(log.getSlice(at: 0, length: torn)!)
            var count = 0
            let error = #expect(throws: RecordBatchError.self) { while try iterator.next() != nil { count += 1 } }
            #expect(error?.code == .truncated)
            #expect(count == 4 && iterator.position == whole, "torn at \(torn)")
        }
    }

    @Test func patchesKeepOrResealTheCRC() throws {
        var bytes = try Self.build(Self.sampleRecords(), compression: .lz4)
        RecordBatchHeader.setBaseOffset(1_000_000, in: &bytes, at: 0)
        RecordBatchHeader.setPartitionLeaderEpoch(12, in: &bytes, at: 0)
        var batch = try RecordBatch(bytes)
        try batch.verifyChecksum()
        #expect(batch.header.baseOffset == 1_000_000 && batch.header.partitionLeaderEpoch == 12)

        RecordBatchHeader.setLogAppendTime(1_800_000_000_000, in: &bytes, at: 0)
        batch = try RecordBatch(bytes)
        try batch.verifyChecksum()
        #expect(batch.header.attributes.contains(.logAppendTime))
        #expect(batch.header.attributes.compressionType == CompressionCodec.lz4.rawValue)
        #expect(batch.header.maxTimestamp == 1_800_000_000_000)
        var iterator = try batch.records(maxDecompressedBytes: Self.bound)
        #expect(try iterator.collect().allSatisfy { batch.timestamp(of: $0) == 1_800_000_000_000 })
    }

    @Test func builderLogAppendTimeSetsTheAttribute() throws {
        var builder = RecordBatchBuilder(logAppendTime: 777)
        builder.append(key: nil, value: ByteBuffer(string: "x"), timestamp: 5)
        let batch = try RecordBatch(builder.build())
        #expect(batch.header.attributes.contains(.logAppendTime) && batch.header.maxTimestamp == 777)
    }
}
