import CSystemShims
import NIOCore

/// CRC-32C (Castagnoli), the checksum of record batch v2 (`crc` covers attributes..end of batch).
///
/// Uses the SSE4.2 instruction when the CPU has it (chosen once at run time) and portable
/// slicing-by-8 tables otherwise; both live in CSystemShims.
public enum CRC32C {
    /// Continues `crc` (0 to start) over `bytes`; the result is final and can be fed back in.
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        CSystemShims_crc32c(crc, bytes.baseAddress, bytes.count)
    }

    /// Checksum of the bytes of `buffer` at `range` (absolute indices, below the writer index).
    public static func checksum(_ buffer: ByteBuffer, range: Range<Int>) -> UInt32 {
        precondition(range.lowerBound >= 0 && range.upperBound <= buffer.writerIndex, "range outside the buffer")
        return buffer.withVeryUnsafeBytes { storage in
            checksum(UnsafeRawBufferPointer(rebasing: storage[range]))
        }
    }

    public static func checksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
        let contiguous = Array(bytes)
        return contiguous.withUnsafeBytes { checksum($0) }
    }

    /// The portable table path, for tests that check the hardware path against it.
    public static func softwareChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        CSystemShims_crc32c_software(crc, bytes.baseAddress, bytes.count)
    }

    /// True when `checksum` runs on the SSE4.2 instruction.
    public static var isHardwareAccelerated: Bool { CSystemShims_crc32c_is_hardware() != 0 }
}
