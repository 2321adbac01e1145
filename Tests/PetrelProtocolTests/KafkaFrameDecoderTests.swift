import NIOCore
import NIOEmbedded
import PetrelProtocol
import Testing

@Suite struct KafkaFrameDecoderTests {
    private static func frames(_ bodies: [[UInt8]]) -> [UInt8] {
        bodies.flatMap { body in
            withUnsafeBytes(of: Int32(body.count).bigEndian, Array.init) + body
        }
    }

    /// Feeds `bytes` in chunks of `chunk` bytes the way ByteToMessageHandler does (accumulate,
    /// then decode until nil) and returns the frame bodies.
    private static func decodeDripFed(_ bytes: [UInt8], chunk: Int) throws -> [[UInt8]] {
        var decoder = KafkaFrameDecoder()
        var accumulated = ByteBuffer()
        var out: [[UInt8]] = []
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            accumulated.writeBytes(bytes[start..<min(start + chunk, bytes.count)])
            while let frame = try decoder.decode(buffer: &accumulated) {
                out.append(Array(frame.readableBytesView))
            }
        }
        #expect(accumulated.readableBytes == 0)
        return out
    }

    @Test func dripFedBytesGiveTheSameFramesAsOneChunk() throws {
        let bodies: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 7, count: 300), [9]]
        let stream = Self.frames(bodies)
        #expect(try Self.decodeDripFed(stream, chunk: stream.count) == bodies)
        #expect(try Self.decodeDripFed(stream, chunk: 1) == bodies)
        #expect(try Self.decodeDripFed(stream, chunk: 5) == bodies)
    }

    @Test func oversizedFrameIsRejectedFromItsSizePrefixAlone() {
        var decoder = KafkaFrameDecoder(maxFrameSize: 1024)
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(1025))  // only the prefix: nothing of the body has arrived
        #expect(throws: KafkaFrameError(.frameTooLarge, size: 1025, limit: 1024)) {
            try decoder.decode(buffer: &buffer)
        }
    }

    @Test func frameOfExactlyTheLimitIsAccepted() throws {
        var decoder = KafkaFrameDecoder(maxFrameSize: 4)
        var buffer = ByteBuffer(bytes: Self.frames([[1, 2, 3, 4]]))
        #expect(try decoder.decode(buffer: &buffer).map { Array($0.readableBytesView) } == [1, 2, 3, 4])
    }

    @Test func negativeSizeIsRejected() {
        var decoder = KafkaFrameDecoder()
        var buffer = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFE])
        #expect(throws: KafkaFrameError(.negativeSize, size: -2, limit: KafkaFrameDecoder.defaultMaxFrameSize)) {
            try decoder.decode(buffer: &buffer)
        }
    }

    @Test func pipelineErrorsOnTheSizePrefixOfAHugeFrame() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(KafkaFrameDecoder()))
        var prefix = ByteBuffer()
        prefix.writeInteger(Int32(200_000_000))  // 200 MB > socket.request.max.bytes
        #expect(throws: KafkaFrameError.self) { try channel.writeInbound(prefix) }
        _ = try? channel.finish()
    }

    @Test func pipelineEmitsFrames() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(KafkaFrameDecoder()))
        let stream = Self.frames([[1], [2, 3]])
        for byte in stream { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        #expect(try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) } == [1])
        #expect(try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) } == [2, 3])
        #expect(try channel.finish().isClean)
    }
}
