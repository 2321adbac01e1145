import NIOCore

/// The result of an append: offsets assigned and timestamps as stored.
public struct AppendInfo: Hashable, Sendable {
    public var firstOffset: Int64
    public var lastOffset: Int64
    /// The broker time written into LogAppendTime batches; -1 for CreateTime.
    public var logAppendTime: Int64
    /// Largest batch maxTimestamp of the append and the last offset of the batch carrying it.
    public var maxTimestamp: Int64
    public var offsetOfMaxTimestamp: Int64
    public var logStartOffset: Int64
    public var recordCount: Int
    /// True when an idempotent producer resent batches already in the log: nothing was written and the
    /// offsets are the original ones.
    public var isDuplicate: Bool
}

/// A byte range of a segment file, ready for sendfile (`FileRegion(fileHandle:readerIndex:endIndex:)`).
///
/// Holding the slice keeps `file` (and so its fd) open, even if the segment is deleted meanwhile.
public struct FileSlice: Sendable {
    public var file: SegmentFileHandle
    public var position: Int64
    public var length: Int
    public var fd: CInt { file.fd }
}

/// What a fetch gets from `PartitionLog.read`: whole batches, in one contiguous file slice.
public struct LogReadResult: Sendable {
    /// Empty when there is nothing at `from` yet (or the first batch exceeds `maxBytes` without
    /// `minOneBatch`).
    public var slices: [FileSlice]
    /// Base offset of the first batch returned (it may be below the requested offset: batches are whole).
    public var firstBatchBaseOffset: Int64?
    /// One past the last offset returned.
    public var nextOffset: Int64
    public var logStartOffset: Int64
    public var logEndOffset: Int64
    public var byteCount: Int { slices.reduce(0) { $0 + $1.length } }

    /// The slices' bytes, copied into one buffer (pread outside the log's lock).
    public func bytes() throws(LogError) -> ByteBuffer {
        var buffer = ByteBuffer()
        for slice in slices {
            var part = try slice.file.read(at: slice.position, count: slice.length)
            guard part.readableBytes == slice.length else {
                throw LogError(.storage, "short read of \(slice.file.path) at \(slice.position)")
            }
            if slices.count == 1 { return part }
            buffer.writeBuffer(&part)
        }
        return buffer
    }
}
