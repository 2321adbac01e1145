import NIOCore
import PetrelProtocol
import Testing

@Suite struct VarintTests {
    @Test(arguments: [Int32(0), -1, 1, 63, -64, 64, -65, 8191, Int32.min, Int32.max])
    func varintRoundTripsWithKafkaSizes(value: Int32) throws {
        var buffer = ByteBuffer()
        let written = buffer.writeVarint(value)
        #expect(written == ByteBuffer.varintSize(value))
        #expect(try buffer.readVarint() == value)
        #expect(buffer.readableBytes == 0)
    }

    @Test(arguments: [Int64(0), -1, 1, Int64(Int32.min), Int64(Int32.max), Int64.min, Int64.max, 1_700_000_000_000])
    func varlongRoundTrips(value: Int64) throws {
        var buffer = ByteBuffer()
        #expect(buffer.writeVarlong(value) == ByteBuffer.varlongSize(value))
        #expect(try buffer.readVarlong() == value)
        #expect(buffer.readableBytes == 0)
    }

    @Test func zigzagEncodingMatchesKafka() {
        // Kafka's ByteUtils: 0 -> 00, -1 -> 01, 1 -> 02, -64 -> 7f, 64 -> 80 01, Int32.min -> ff ff ff ff 0f.
        let cases: [(Int32, [UInt8])] = [(0, [0x00]), (-1, [0x01]), (1, [0x02]), (-64, [0x7F]), (64, [0x80, 0x01]),
                                         (Int32.min, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]), (Int32.max, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F])]
        for (value, bytes) in cases {
            var buffer = ByteBuffer()
            buffer.writeVarint(value)
            #expect(buffer.readableBytesView.elementsEqual(bytes), "\(value)")
        }
        var long = ByteBuffer()
        long.writeVarlong(Int64.min)
        #expect(long.readableBytesView.elementsEqual([UInt8](repeating: 0xFF, count: 9) + [0x01]))
    }

    @Test func malformedVarintsThrowWithoutMovingTheReader() {
        for bytes: [UInt8] in [[], [0x80], [0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFF, 0x1F], [0x80, 0x80, 0x80, 0x80, 0x80, 0x00]] {
            var buffer = ByteBuffer(bytes: bytes)
            #expect(throws: RecordBatchError.self) { try buffer.readVarint() }
            #expect(buffer.readerIndex == 0)
        }
        var tooLong = ByteBuffer(bytes: [UInt8](repeating: 0xFF, count: 9) + [0x02])
        #expect(throws: RecordBatchError.self) { try tooLong.readVarlong() }
        var elevenBytes = ByteBuffer(bytes: [UInt8](repeating: 0x80, count: 10) + [0x00])
        #expect(throws: RecordBatchError.self) { try elevenBytes.readVarlong() }
    }
}
