import CSystemShims
import NIOCore

/// The one driver of CSystemShims' codec API, shared by the four codec wrappers: one-shot compression
/// into a buffer of the codec's worst-case size, and bounded incremental decompression into a buffer
/// that grows (doubling) only as the stream produces output, never past the caller's bound.
enum CodecShim {
    /// `level` nil is the codec's default; otherwise it must lie in `levels`.
    static func compress(
        _ input: ByteBuffer, shimID: CInt, level: Int32?, levels: ClosedRange<Int32>, codec: CompressionCodec
    ) throws(CompressionError) -> ByteBuffer {
        if let level, !levels.contains(level) {
            throw CompressionError(.invalidLevel, codec: codec, "level \(level) outside \(levels)")
        }
        let bound = CSystemShims_compress_bound(shimID, input.readableBytes)
        guard bound > 0 else {
            throw CompressionError(.inputTooLarge, codec: codec, "\(input.readableBytes) bytes cannot be compressed")
        }
        var output = ByteBufferAllocator().buffer(capacity: bound)
        var status = CInt(CSYSTEMSHIMS_CODEC_OK)
        _ = input.withUnsafeReadableBytes { source in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { destination in
                var written = 0
                status = CSystemShims_compress(
                    shimID, level ?? 0, source.baseAddress, source.count, destination.baseAddress, destination.count, &written)
                return written
            }
        }
        guard status == CSYSTEMSHIMS_CODEC_OK else { throw error(status, codec: codec, "compressing") }
        return output
    }

    static func decompress(
        _ input: ByteBuffer, shimID: CInt, maxOutputBytes: Int, codec: CompressionCodec
    ) throws(CompressionError) -> ByteBuffer {
        precondition(maxOutputBytes >= 0, "negative output bound")
        let result = input.withUnsafeReadableBytes { source -> Result<ByteBuffer, CompressionError> in
            guard let decoder = CSystemShims_decoder_create(shimID, source.baseAddress, source.count, maxOutputBytes) else {
                return .failure(CompressionError(.outOfMemory, codec: codec, "cannot create a decoder"))
            }
            defer { CSystemShims_decoder_free(decoder) }
            // First guess: the size the stream declares, else a typical ratio; growth covers a wrong guess.
            let declared = CSystemShims_decoder_size_hint(decoder)
            let guess = declared > 0 ? declared : max(4096, source.count.multipliedReportingOverflow(by: 4).partialValue)
            var output = ByteBufferAllocator().buffer(capacity: min(guess, maxOutputBytes))
            while true {
                var status = CInt(CSYSTEMSHIMS_CODEC_OK)
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { destination in
                    var written = 0
                    status = CSystemShims_decoder_read(decoder, destination.baseAddress, destination.count, &written)
                    return written
                }
                switch status {
                case CInt(CSYSTEMSHIMS_CODEC_OK):
                    return .success(output)
                case CInt(CSYSTEMSHIMS_CODEC_NEED_OUTPUT):
                    // At the bound the decoder itself reports the overflow, so growth stops there.
                    let room = maxOutputBytes - output.writerIndex
                    if room > 0 { output.reserveCapacity(minimumWritableBytes: min(max(output.writerIndex, 4096), room)) }
                default:
                    return .failure(error(status, codec: codec, "decompressing \(source.count) bytes"))
                }
            }
        }
        return try result.get()
    }

    private static func error(_ status: CInt, codec: CompressionCodec, _ context: String) -> CompressionError {
        switch status {
        case CInt(CSYSTEMSHIMS_CODEC_CORRUPT):
            CompressionError(.corrupt, codec: codec, "\(context): malformed or truncated data")
        case CInt(CSYSTEMSHIMS_CODEC_OUTPUT_BOUND_EXCEEDED):
            CompressionError(.outputBoundExceeded, codec: codec, "\(context): output exceeds the bound")
        case CInt(CSYSTEMSHIMS_CODEC_OUT_OF_MEMORY):
            CompressionError(.outOfMemory, codec: codec, "\(context): out of memory")
        case CInt(CSYSTEMSHIMS_CODEC_UNSUPPORTED):
            CompressionError(.inputTooLarge, codec: codec, "\(context): input too large")
        default:
            CompressionError(.libraryFailure, codec: codec, "\(context): library status \(status)")
        }
    }
}
