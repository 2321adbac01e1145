import CSystemShims
import NIOCore

/// lz4 in the frame format (LZ4F), Kafka compression type 3.
///
/// Compression writes what Kafka's Java client writes: one frame of independent 64 KiB blocks, with no
/// content size and no block or content checksums. Decompression accepts any valid frames (checksums,
/// linked blocks and concatenated frames included).
public enum LZ4Codec {
    /// 1-2 are lz4's fast mode (the default), 3-12 its high-compression mode.
    public static let levels: ClosedRange<Int32> = 1...12

    public static func compress(_ input: ByteBuffer, level: Int32? = nil) throws(CompressionError) -> ByteBuffer {
        try CodecShim.compress(input, shimID: CInt(CSYSTEMSHIMS_CODEC_LZ4), level: level, levels: levels, codec: .lz4)
    }

    public static func decompress(_ input: ByteBuffer, maxOutputBytes: Int) throws(CompressionError) -> ByteBuffer {
        try CodecShim.decompress(input, shimID: CInt(CSYSTEMSHIMS_CODEC_LZ4), maxOutputBytes: maxOutputBytes, codec: .lz4)
    }
}
