import CSystemShims
import NIOCore

/// Zstandard, Kafka compression type 4.
///
/// Compression writes one frame with the content size in its header. Decompression streams, so frames
/// without a content size (as the Java client writes them) and concatenated frames work; the window a
/// frame may demand is capped at max(bound, 8 MiB).
public enum ZstdCodec {
    /// zstd's range (negative levels trade ratio for speed), as Kafka's `compression.zstd.level`.
    /// The default is 3.
    public static let levels: ClosedRange<Int32> = -131_072...22

    public static func compress(_ input: ByteBuffer, level: Int32? = nil) throws(CompressionError) -> ByteBuffer {
        try CodecShim.compress(input, shimID: CInt(CSYSTEMSHIMS_CODEC_ZSTD), level: level, levels: levels, codec: .zstd)
    }

    public static func decompress(_ input: ByteBuffer, maxOutputBytes: Int) throws(CompressionError) -> ByteBuffer {
        try CodecShim.decompress(input, shimID: CInt(CSYSTEMSHIMS_CODEC_ZSTD), maxOutputBytes: maxOutputBytes, codec: .zstd)
    }
}
