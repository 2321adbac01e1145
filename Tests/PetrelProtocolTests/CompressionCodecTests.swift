import NIOCore
import PetrelProtocol
import Testing

/// Seeded payloads built from 8-byte words: `compressible` draws 7 of 8 words from a small vocabulary,
/// otherwise every word is random. Word-at-a-time so that multi-MiB payloads are quick in debug builds.
func samplePayload(count: Int, seed: UInt64, compressible: Bool = true) -> ByteBuffer {
    var generator = SplitMix64(seed: seed)
    let vocabulary: [UInt64] = ["offset: ", "leaderEp", "producer", "{\"ts\":17", "\"INFO\", ", "topic-42", "        ", "\n"]
        .map { word in var value: UInt64 = 0; withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: word.utf8.prefix(8)) }; return value }
    var payload = ByteBufferAllocator().buffer(capacity: count)
    payload.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
        var offset = 0
        while offset < count {
            let r = generator.next()
            var word = compressible && r & 7 != 0 ? vocabulary[Int(r >> 61)] : generator.next()
            let length = min(8, count - offset)
            withUnsafeBytes(of: &word) { raw.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: length) }
            offset += length
        }
        return count
    }
    return payload
}

extension ByteBuffer {
    var bytes: [UInt8] { getBytes(at: readerIndex, length: readableBytes)! }
}

@Suite struct CompressionCodecTests {
    static let codecs: [CompressionCodec] = [.gzip, .snappy, .lz4, .zstd]
    static let bound = 1 << 26

    @Test(arguments: codecs)
    func roundTripsEdgeAndRandomSizes(codec: CompressionCodec) throws {
        let sizes = [0, 1, 2, 15, 16, 17, 100, 4095, 32_767, 32_768, 32_769, 65_536, 65_537, 200_003, 1 << 20]
        for (index, size) in sizes.enumerated() {
            for compressible in [true, false] {
                let original = samplePayload(count: size, seed: UInt64(index) * 31 + 7, compressible: compressible)
                let compressed = try codec.compress(original)
                let restored = try codec.decompress(compressed, maxOutputBytes: Self.bound)
                #expect(restored == original, "\(codec) size \(size) compressible \(compressible)")
            }
        }
    }

    @Test(arguments: codecs)
    func roundTrips64MiB(codec: CompressionCodec) throws {
        let original = samplePayload(count: 64 << 20, seed: 64)
        let compressed = try codec.compress(original)
        #expect(compressed.readableBytes < original.readableBytes)
        let restored = try codec.decompress(compressed, maxOutputBytes: original.readableBytes)
        #expect(restored == original)
    }

    @Test(arguments: codecs)
    func boundIsExactAndZipBombsStop(codec: CompressionCodec) throws {
        let original = samplePayload(count: 100_000, seed: 3)
        let compressed = try codec.compress(original)
        #expect(try codec.decompress(compressed, maxOutputBytes: original.readableBytes) == original)
        let error = #expect(throws: CompressionError.self) {
            try codec.decompress(compressed, maxOutputBytes: original.readableBytes - 1)
        }
        #expect(error?.code == .outputBoundExceeded)

        let zeros = try codec.compress(ByteBuffer(repeating: 0, count: 32 << 20))
        #expect(zeros.readableBytes < 2 << 20)
        let bomb = #expect(throws: CompressionError.self) { try codec.decompress(zeros, maxOutputBytes: 1 << 20) }
        #expect(bomb?.code == .outputBoundExceeded)
        let nothing = #expect(throws: CompressionError.self) { try codec.decompress(zeros, maxOutputBytes: 0) }
        #expect(nothing?.code == .outputBoundExceeded)
    }

    /// The reusing form appends after what `output` holds, applies the bound to its own output only, and
    /// leaves `output` as it was when it fails; a buffer big enough already is not reallocated.
    @Test(arguments: codecs + [.none])
    func decompressAppendsToAReusedBuffer(codec: CompressionCodec) throws {
        let prefix = ByteBuffer(string: "kept")
        var output = ByteBufferAllocator().buffer(capacity: 1 << 20)
        for seed in UInt64(1)...3 {
            let original = samplePayload(count: 100_000 + Int(seed), seed: seed)
            let compressed = try codec.compress(original)
            output.clear()
            output.writeImmutableBuffer(prefix)
            let storage = output.withUnsafeReadableBytes { $0.baseAddress }
            try codec.decompress(compressed, appendingTo: &output, maxOutputBytes: original.readableBytes)
            #expect(output.withUnsafeReadableBytes { $0.baseAddress } == storage, "\(codec): buffer reallocated")
            #expect(output.readSlice(length: prefix.readableBytes) == prefix)
            #expect(output == original)

            let before = output
            let error = #expect(throws: CompressionError.self) {
                try codec.decompress(compressed, appendingTo: &output, maxOutputBytes: original.readableBytes - 1)
            }
            #expect(error?.code == .outputBoundExceeded)
            #expect(output == before)
        }
    }

    @Test(arguments: codecs)
    func emptyAndTruncatedInputsAreCorrupt(codec: CompressionCodec) throws {
        let empty = #expect(throws: CompressionError.self) { try codec.decompress(ByteBuffer(), maxOutputBytes: Self.bound) }
        #expect(empty?.code == .corrupt)
        // Below 32 KiB every codec writes one block, so any cut lands inside it and must be detected.
        let compressed = try codec.compress(samplePayload(count: 20_000, seed: 9)).bytes
        for cut in [1, 5, 12, compressed.count / 2, compressed.count - 1] {
            let error = #expect(throws: CompressionError.self, "\(codec) cut at \(cut) of \(compressed.count)") {
                try codec.decompress(ByteBuffer(bytes: Array(compressed.prefix(cut))), maxOutputBytes: Self.bound)
            }
            #expect(error?.code == .corrupt)
        }
    }

    @Test(arguments: codecs)
    func garbageAndMutationsNeverCrashOrPassTheBound(codec: CompressionCodec) throws {
        var generator = SplitMix64(seed: 0xBAD)
        let garbage = (0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        #expect(throws: CompressionError.self) { try codec.decompress(ByteBuffer(bytes: garbage), maxOutputBytes: Self.bound) }

        let compressed = try codec.compress(samplePayload(count: 50_000, seed: 11)).bytes
        for _ in 0..<300 {
            var mutated = compressed
            for _ in 0...(generator.next() % 3) {
                let index = Int(generator.next() % UInt64(mutated.count))
                mutated[index] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
            }
            // Without a checksum a flipped literal can decode to other bytes; anything but a crash or
            // output past the bound is acceptable.
            if let output = try? codec.decompress(ByteBuffer(bytes: mutated), maxOutputBytes: 60_000) {
                #expect(output.readableBytes <= 60_000)
            }
        }
    }

    @Test func gzipDetectsAFlippedByteByItsCRC() throws {
        var compressed = try CompressionCodec.gzip.compress(samplePayload(count: 10_000, seed: 5, compressible: false)).bytes
        compressed[compressed.count / 2] ^= 0x01
        let error = #expect(throws: CompressionError.self) { try CompressionCodec.gzip.decompress(ByteBuffer(bytes: compressed), maxOutputBytes: Self.bound) }
        #expect(error?.code == .corrupt)
    }

    @Test func noneIsIdentityWithABound() throws {
        let payload = samplePayload(count: 10, seed: 1)
        #expect(try CompressionCodec.none.compress(payload) == payload)
        #expect(try CompressionCodec.none.decompress(payload, maxOutputBytes: 10) == payload)
        let error = #expect(throws: CompressionError.self) { try CompressionCodec.none.decompress(payload, maxOutputBytes: 9) }
        #expect(error?.code == .outputBoundExceeded)
    }

    @Test func levelsAreCheckedAndUsed() throws {
        let payload = samplePayload(count: 300_000, seed: 2)
        #expect(throws: CompressionError.self) { try GzipCodec.compress(payload, level: 0) }
        #expect(throws: CompressionError.self) { try LZ4Codec.compress(payload, level: 13) }
        #expect(throws: CompressionError.self) { try ZstdCodec.compress(payload, level: 23) }
        let fast = try ZstdCodec.compress(payload, level: 1)
        let strong = try ZstdCodec.compress(payload, level: 19)
        #expect(strong.readableBytes < fast.readableBytes)
        let hc = try LZ4Codec.compress(payload, level: 9)
        #expect(try LZ4Codec.decompress(hc, maxOutputBytes: Self.bound) == payload)
        #expect(try GzipCodec.decompress(GzipCodec.compress(payload, level: 1), maxOutputBytes: Self.bound) == payload)
    }

    @Test func concatenatedFramesAndMembersDecodeAsOneStream() throws {
        let first = samplePayload(count: 5000, seed: 21)
        let second = samplePayload(count: 7000, seed: 22)
        for codec in [CompressionCodec.gzip, .lz4, .zstd] {
            var joined = try codec.compress(first)
            var tail = try codec.compress(second)
            joined.writeBuffer(&tail)
            var both = first
            both.writeImmutableBuffer(second)
            #expect(try codec.decompress(joined, maxOutputBytes: Self.bound) == both)
        }
    }
}
