import NIOCore
import PetrelProtocol
import Testing

@testable import PetrelClient

/// The client's frame splitter gets the same frames whatever the read boundaries, and rejects bad
/// size prefixes before allocating anything for the frame.
@Suite struct ResponseFrameDecoderTests {
    /// Frames of sizes 0 to 70,000 bytes, each body filled with a pattern of its index.
    func frames() -> [[UInt8]] {
        [0, 1, 3, 4, 100, 70_000, 5, 16_384, 0, 2].enumerated().map { index, size in
            (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ index &* 37) }
        }
    }

    func stream(_ frames: [[UInt8]]) -> [UInt8] {
        frames.flatMap { frame in
            withUnsafeBytes(of: Int32(frame.count).bigEndian) { Array($0) } + frame
        }
    }

    func decode(_ bytes: [UInt8], cutAt cuts: [Int]) throws(KafkaFrameError) -> [[UInt8]] {
        let decoder = ResponseFrameDecoder(maxFrameSize: 100_000)
        var out: [[UInt8]] = []
        var start = 0
        for end in cuts + [bytes.count] where end >= start {
            var read = ByteBuffer(bytes: bytes[start..<end])
            while let frame = try decoder.nextFrame(from: &read, allocator: ByteBufferAllocator()) {
                out.append(Array(frame.readableBytesView))
            }
            #expect(read.readableBytes == 0)
            start = end
        }
        return out
    }

    @Test func wholeStreamInOneRead() throws {
        #expect(try decode(stream(frames()), cutAt: []) == frames())
    }

    @Test func byteByByte() throws {
        let bytes = stream(frames())
        #expect(try decode(bytes, cutAt: Array(1..<bytes.count)) == frames())
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func randomReadBoundaries(seed: UInt64) throws {
        let bytes = stream(frames())
        var random = SplitMix64(seed: seed)
        let cuts = (0..<40).map { _ in Int(random.next() % UInt64(bytes.count)) }.sorted()
        #expect(try decode(bytes, cutAt: cuts) == frames())
    }

    @Test func sizesAboveTheLimitOrNegativeAreErrors() {
        let tooLarge = withUnsafeBytes(of: Int32(100_001).bigEndian) { Array($0) } + [1, 2, 3]
        #expect(throws: KafkaFrameError(.frameTooLarge, size: 100_001, limit: 100_000)) {
            try decode(tooLarge, cutAt: [2])
        }
        #expect(throws: KafkaFrameError(.negativeSize, size: -1, limit: 100_000)) {
            try decode([0xFF, 0xFF, 0xFF, 0xFF, 0], cutAt: [])
        }
    }
}
