import CSystemShims
import NIOCore

/// snappy, Kafka compression type 2.
///
/// Kafka clients disagree on the container: the Java client writes the xerial snappy-java framing
/// (`\x82SNAPPY\0`, int32 version 1, int32 compatible version 1, then big-endian int32-length-prefixed
/// raw snappy blocks of up to 32 KiB of input), librdkafka writes one raw snappy block, and both read
/// either. Compression writes the xerial framing, which every client reads; decompression accepts both,
/// telling them apart by the xerial magic.
public enum SnappyCodec {
    public static func compress(_ input: ByteBuffer) throws(CompressionError) -> ByteBuffer {
        try CodecShim.compress(input, shimID: CInt(CSYSTEMSHIMS_CODEC_SNAPPY), level: nil, levels: 0...0, codec: .snappy)
    }

    public static func decompress(_ input: ByteBuffer, maxOutputBytes: Int) throws(CompressionError) -> ByteBuffer {
        try CodecShim.decompress(input, shimID: CInt(CSYSTEMSHIMS_CODEC_SNAPPY), maxOutputBytes: maxOutputBytes, codec: .snappy)
    }
}
