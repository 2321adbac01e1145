import CSystemShims
import NIOCore

/// gzip (zlib's deflate with a gzip wrapper, RFC 1952), Kafka compression type 1.
///
/// Compression writes one gzip member (`windowBits` 15+16). Decompression auto-detects a gzip or zlib
/// header (`windowBits` 15+32) and accepts concatenated members, as Java's GZIPInputStream does.
public enum GzipCodec {
    /// zlib's levels; Kafka's `compression.gzip.level` has the same range. The default is 6.
    public static let levels: ClosedRange<Int32> = 1...9

    public static func compress(_ input: ByteBuffer, level: Int32? = nil) throws(CompressionError) -> ByteBuffer {
        try CodecShim.compress(input, shimID: CInt(CSYSTEMSHIMS_CODEC_GZIP), level: level, levels: levels, codec: .gzip)
    }

    public static func decompress(_ input: ByteBuffer, maxOutputBytes: Int) throws(CompressionError) -> ByteBuffer {
        try CodecShim.decompress(input, shimID: CInt(CSYSTEMSHIMS_CODEC_GZIP), maxOutputBytes: maxOutputBytes, codec: .gzip)
    }
}
