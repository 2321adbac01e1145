import NIOCore
import PetrelProtocol
import Testing

/// Petrel's codecs against independent implementations: the lz4, zstd and gzip command-line tools, and
/// for snappy python's cramjam (raw) and kafka-python's codec module (xerial framing, built on
/// python-snappy), which is what a Python Kafka client produces and consumes.
@Suite struct CompressionInteropTests {
    static let cases: [(CompressionCodec, compress: [String], decompress: [String])] = [
        (.lz4, ["lz4", "-q", "-c", "-1"], ["lz4", "-q", "-d", "-c"]),
        (.zstd, ["zstd", "-q", "-c", "-3"], ["zstd", "-q", "-d", "-c"]),
        (.gzip, ["gzip", "-c", "-6"], ["gzip", "-d", "-c"]),
    ]

    @Test(arguments: [0, 1, 70_000, 5_000_000])
    func commandLineToolsAgreeBothWays(size: Int) throws {
        let original = samplePayload(count: size, seed: UInt64(size) + 1)
        for (codec, compressCommand, decompressCommand) in Self.cases {
            let theirs = try ExternalTool.filter(compressCommand, input: original)
            #expect(try codec.decompress(theirs, maxOutputBytes: size) == original, "\(codec): tool -> Petrel, \(size) bytes")

            let ours = try codec.compress(original)
            #expect(try ExternalTool.filter(decompressCommand, input: ours) == original, "\(codec): Petrel -> tool, \(size) bytes")
        }
    }

    @Test(arguments: [1, 70_000, 1_000_000])
    func snappyRawAgreesWithCramjam(size: Int) throws {
        let original = samplePayload(count: size, seed: UInt64(size) + 2)
        let raw = try ExternalTool.python("import cramjam\nsys.stdout.buffer.write(bytes(cramjam.snappy.compress_raw(data)))", input: original)
        #expect(raw.getInteger(at: 0, as: UInt8.self) != 0x82)
        #expect(try SnappyCodec.decompress(raw, maxOutputBytes: size) == original)
    }

    @Test(arguments: [1, 32_768, 70_000, 1_000_000])
    func snappyXerialAgreesWithKafkaPython(size: Int) throws {
        let original = samplePayload(count: size, seed: UInt64(size) + 3)
        let theirs = try ExternalTool.python(
            "from kafka.codec import snappy_encode\nsys.stdout.buffer.write(snappy_encode(data, xerial_compatible=True))",
            input: original)
        #expect(theirs.getBytes(at: 0, length: 8) == [0x82] + Array("SNAPPY".utf8) + [0])
        #expect(try SnappyCodec.decompress(theirs, maxOutputBytes: size) == original)

        let ours = try SnappyCodec.compress(original)
        #expect(ours.getBytes(at: 0, length: 16) == theirs.getBytes(at: 0, length: 16), "same xerial header, version 1, compatible 1")
        let decoded = try ExternalTool.python(
            "from kafka.codec import snappy_decode\nsys.stdout.buffer.write(snappy_decode(data))", input: ours)
        #expect(decoded == original)
    }
}
