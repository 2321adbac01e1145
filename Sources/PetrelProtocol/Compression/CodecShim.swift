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
        var output = ByteBuffer()
        try decompress(input, shimID: shimID, appendingTo: &output, maxOutputBytes: maxOutputBytes, codec: codec)
        return output
    }

    /// Appends the decompressed bytes to `output`, growing it only when its writable space runs out.
    /// A caller that decompresses batch after batch passes the same (cleared) buffer: a fresh
    /// megabyte-sized output per call costs more than lz4's decoding, because glibc serves it with mmap
    /// and the kernel zero-fills it page by page.
    static func decompress(
        _ input: ByteBuffer, shimID: CInt, appendingTo output: inout ByteBuffer, maxOutputBytes: Int, codec: CompressionCodec
    ) throws(CompressionError) {
        precondition(maxOutputBytes >= 0, "negative output bound")
        let start = output.writerIndex
        let status = input.withUnsafeReadableBytes { source -> CInt in
            guard let decoder = CSystemShims_decoder_create(shimID, source.baseAddress, source.count, maxOutputBytes) else {
                return CInt(CSYSTEMSHIMS_CODEC_OUT_OF_MEMORY)
            }
            defer { CSystemShims_decoder_free(decoder) }
            // First guess: the size the stream declares, else a typical ratio; growth covers a wrong guess.
            // A declared size is believed only up to gzip's best ratio (~1000:1), so a few forged header
            // bytes cannot make us allocate the whole bound up front.
            let declared = CSystemShims_decoder_size_hint(decoder)
            let plausible = max(4096, source.count.multipliedReportingOverflow(by: 1024).partialValue)
            let guess = declared > 0 ? min(declared, plausible) : max(4096, source.count.multipliedReportingOverflow(by: 4).partialValue)
            output.reserveCapacity(minimumWritableBytes: min(guess, maxOutputBytes))
            while true {
                var status = CInt(CSYSTEMSHIMS_CODEC_OK)
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { destination in
                    var written = 0
                    status = CSystemShims_decoder_read(decoder, destination.baseAddress, destination.count, &written)
                    return written
                }
                guard status == CInt(CSYSTEMSHIMS_CODEC_NEED_OUTPUT) else { return status }
                // Double the space on offer, up to the bound: a codec may need room for a whole block
                // before it makes progress (snappy). With the bound on offer the decoder no longer asks
                // for more; it counts its own output and reports the overflow itself.
                let left = maxOutputBytes - (output.writerIndex - start)
                output.reserveCapacity(minimumWritableBytes: min(left, max(2 * output.writableBytes, 4096)))
            }
        }
        guard status == CInt(CSYSTEMSHIMS_CODEC_OK) else {
            output.moveWriterIndex(to: start)
            throw error(status, codec: codec, "decompressing \(input.readableBytes) bytes")
        }
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
