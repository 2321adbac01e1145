import NIOCore
import PetrelProtocol
import PetrelStorage

#if canImport(Glibc)
import Glibc
#endif

/// File bytes to send in place of `records` fields, so a fetch response goes out as header bytes plus
/// file regions (sendfile on plaintext connections) instead of copying the log into memory.
///
/// The handler sets each spliced `records` field to `marker` (16 random bytes) and lists the file slices
/// in the order the fields appear in the encoded response; `splice(into:)` finds each marker with its
/// length prefix and puts the slice's length and a `FileRegion` there.
struct RecordsSplice: Sendable {
    /// Drawn when the first slice is added: most long-poll passes find nothing to send, and each
    /// random word costs a getrandom(2).
    private var marker: [UInt8] = []
    private(set) var slices: [FileSlice] = []

    init() {}

    var isEmpty: Bool { slices.isEmpty }

    /// The placeholder to put in the `records` field for `slice`.
    mutating func placeholder(for slice: FileSlice) -> ByteBuffer {
        if marker.isEmpty {
            var generator = SystemRandomNumberGenerator()
            marker = [generator.next(), generator.next()].flatMap { (word: UInt64) in withUnsafeBytes(of: word, Array.init) }
        }
        slices.append(slice)
        return ByteBuffer(bytes: marker)
    }

    /// Rewrites an encoded frame (size prefix first). `compact` is the records encoding of the version:
    /// an unsigned varint of length + 1 when flexible, an int32 length otherwise. Returns nil when a
    /// marker is missing (then the caller must not send the frame).
    func splice(into frame: ByteBuffer, compact: Bool) -> ResponseFrame? {
        let prefixBytes = compact ? 1 : 4
        var parts: [IOData] = []
        var handles: [NIOFileHandle] = []
        var total = 0
        var cursor = frame.readerIndex
        let view = frame.readableBytesView
        for slice in slices {
            guard let markerStart = Self.find(marker, in: view, from: cursor - frame.readerIndex),
                markerStart - prefixBytes >= cursor - frame.readerIndex,
                let handle = Self.duplicate(slice.fd)
            else {
                for handle in handles { try? handle.close() }
                return nil
            }
            let absolute = frame.readerIndex + markerStart
            if let head = frame.getSlice(at: cursor, length: absolute - prefixBytes - cursor) {
                total += head.readableBytes
                parts.append(.byteBuffer(head))
            }
            var length = KafkaWriter()
            if compact {
                length.writeUnsignedVarint(UInt32(slice.length + 1))
            } else {
                length.writeInt32(Int32(slice.length))
            }
            total += length.buffer.readableBytes
            parts.append(.byteBuffer(length.buffer))
            let start = Int(slice.position)
            parts.append(.fileRegion(FileRegion(fileHandle: handle, readerIndex: start, endIndex: start + slice.length)))
            handles.append(handle)
            total += slice.length
            cursor = absolute + marker.count
        }
        if let tail = frame.getSlice(at: cursor, length: frame.writerIndex - cursor), tail.readableBytes > 0 {
            total += tail.readableBytes
            parts.append(.byteBuffer(tail))
        }
        // The first part starts with the frame's size prefix; rewrite it for the spliced size.
        guard case .byteBuffer(var first) = parts.first, first.readableBytes >= 4 else {
            for handle in handles { try? handle.close() }
            return nil
        }
        first.setInteger(Int32(total - 4), at: first.readerIndex)
        parts[0] = .byteBuffer(first)
        return ResponseFrame(parts, closingAfterWrite: handles)
    }

    /// A descriptor of our own for the region: the segment may be deleted (and its fd closed) while
    /// the response is in flight; the duplicate keeps the file readable until the write completes.
    private static func duplicate(_ fd: CInt) -> NIOFileHandle? {
        let copy = dup(fd)
        guard copy >= 0 else { return nil }
        return NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
    }

    private static func find(_ needle: [UInt8], in haystack: ByteBufferView, from start: Int) -> Int? {
        guard needle.count <= haystack.count, start <= haystack.count - needle.count else { return nil }
        let base = haystack.startIndex
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[base + index] == needle[0],
                haystack[(base + index)..<(base + index + needle.count)].elementsEqual(needle)
            {
                return index
            }
            index += 1
        }
        return nil
    }
}
