import NIOCore
import PetrelProtocol

/// One segment of a partition log: `<baseOffset 20 digits>.log` holding record batches v2 exactly as
/// produced (offsets and leader epoch patched), plus its `.index` and `.timeindex`.
///
/// Two sizes are tracked: `reservedSize` counts bytes handed to the writer (offsets assigned), `size`
/// counts bytes whose write completed. Readers only ever look below `size`. Not thread-safe: a
/// segment is only touched under its `PartitionLog`'s lock.
final class LogSegment {
    let baseOffset: Int64
    let directory: String
    let file: SegmentFileHandle
    let offsetIndex: OffsetIndex
    let timeIndex: TimeIndex
    /// Bytes written and visible to readers.
    var size: Int64
    /// Bytes assigned to appends, written or in flight.
    var reservedSize: Int64
    /// Largest batch maxTimestamp in the segment and the last offset of that batch (ListOffsets -3).
    var maxTimestamp: Int64 = -1
    var offsetOfMaxTimestamp: Int64 = -1
    /// The segment.ms clock: the first batch's maxTimestamp (Kafka's rollingBasedTimestamp).
    var rollingBasedTimestamp: Int64?
    /// Bytes appended since the last offset index entry.
    private var bytesSinceLastIndexEntry = 0
    /// The indexes are mapped at `segment.index.bytes` (a new or reopened active segment); false while
    /// they are trimmed to their entries (an inactive segment, or the active one of a log just opened,
    /// which grows them on its first append: opening 10,000 partitions resizes no index).
    private(set) var isOpenForAppends: Bool

    static func fileName(_ offset: Int64, _ suffix: String) -> String {
        let digits = String(offset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    var logPath: String { directory + "/" + Self.fileName(baseOffset, ".log") }

    init(directory: String, baseOffset: Int64, indexBytes: Int, create: Bool) throws(LogError) {
        self.directory = directory
        self.baseOffset = baseOffset
        file = try SegmentFileHandle.open(directory + "/" + Self.fileName(baseOffset, ".log"), create: create)
        offsetIndex = try OffsetIndex(
            path: directory + "/" + Self.fileName(baseOffset, ".index"), baseOffset: baseOffset, maxBytes: indexBytes)
        timeIndex = try TimeIndex(
            path: directory + "/" + Self.fileName(baseOffset, ".timeindex"), baseOffset: baseOffset, maxBytes: indexBytes)
        size = try file.size()
        reservedSize = size
        isOpenForAppends = indexBytes > 0
        if let last = timeIndex.lastEntry {
            maxTimestamp = last.timestamp
            offsetOfMaxTimestamp = last.offset
        }
    }

    var isIndexFull: Bool { offsetIndex.isFull || timeIndex.isFull }

    /// Records a batch placed at `position` in the indexes and timestamp bookkeeping.
    func indexBatch(_ header: RecordBatchHeader, at position: Int64, intervalBytes: Int) {
        if rollingBasedTimestamp == nil { rollingBasedTimestamp = header.maxTimestamp }
        if header.maxTimestamp > maxTimestamp {
            maxTimestamp = header.maxTimestamp
            offsetOfMaxTimestamp = header.lastOffset
        }
        if bytesSinceLastIndexEntry > intervalBytes && !isIndexFull {
            offsetIndex.append(OffsetPosition(offset: header.lastOffset, position: position))
            timeIndex.maybeAppend(timestamp: maxTimestamp, offset: offsetOfMaxTimestamp)
            bytesSinceLastIndexEntry = 0
        }
        bytesSinceLastIndexEntry += header.totalSize
    }

    /// Reads the header at `position` if a whole header lies below `limit`.
    func header(at position: Int64, limit: Int64) throws(LogError) -> RecordBatchHeader? {
        guard position + Int64(RecordBatchHeader.size) <= limit else { return nil }
        let bytes = try file.read(at: position, count: RecordBatchHeader.size)
        do {
            let header = try RecordBatchHeader(parsing: bytes, at: 0)
            guard position + Int64(header.totalSize) <= limit else { return nil }
            return header
        } catch {
            throw LogError(.corruptBatch, "\(file.path) at \(position): \(error)")
        }
    }

    /// A sequential header reader over the bytes below `limit`.
    func scanner(limit: Int64) -> HeaderScanner { HeaderScanner(segment: self, limit: limit) }

    /// Position of the first batch whose lastOffset >= `offset` (the end of the scanned bytes when
    /// none), and that batch.
    func translate(_ offset: Int64, using scanner: inout HeaderScanner) throws(LogError) -> (position: Int64, header: RecordBatchHeader?) {
        var position = offsetIndex.lookup(offset).position
        if position >= scanner.limit { position = 0 }
        while let header = try scanner.header(at: position) {
            if header.lastOffset >= offset { return (position, header) }
            position += Int64(header.totalSize)
        }
        return (position, nil)
    }

    /// Scans the whole file, verifying length, magic, offsets and CRC of every batch; rebuilds both
    /// indexes; truncates the file at the first bad batch. Returns the next offset after the last good
    /// batch (nil when the segment holds none) and whether anything was truncated.
    func recover(config: LogConfig) throws(LogError) -> (nextOffset: Int64?, truncated: Bool) {
        try reopenForAppends(config: config)  // room to rebuild; the caller trims an inactive segment after
        offsetIndex.file.truncate(toEntries: 0)
        timeIndex.file.truncate(toEntries: 0)
        maxTimestamp = -1
        offsetOfMaxTimestamp = -1
        rollingBasedTimestamp = nil
        bytesSinceLastIndexEntry = 0
        let fileSize = try file.size()
        var position: Int64 = 0
        var nextOffset: Int64? = nil
        while position < fileSize {
            guard let header = try? header(at: position, limit: fileSize),
                header.totalSize <= config.maxMessageBytes + RecordBatchHeader.logOverhead + RecordBatchHeader.size,
                header.baseOffset >= (nextOffset ?? baseOffset), header.lastOffsetDelta >= 0
            else { break }
            let batch = try file.read(at: position, count: header.totalSize)
            guard (try? header.verifyChecksum(in: batch, at: 0)) != nil else { break }
            indexBatch(header, at: position, intervalBytes: config.indexIntervalBytes)
            nextOffset = header.nextOffset
            position += Int64(header.totalSize)
        }
        let truncated = position < fileSize
        if truncated { try file.truncate(to: position) }
        size = position
        reservedSize = position
        return (nextOffset, truncated)
    }

    /// Re-derives the in-memory bookkeeping of a cleanly closed segment from its last index entries and
    /// a header scan of the tail; returns the next offset (nil when empty). Indexes that fail their
    /// sanity check are rebuilt by a full `recover`.
    func load(config: LogConfig) throws(LogError) -> Int64? {
        guard offsetIndex.isSane(segmentSize: size), timeIndex.isSane(segmentSize: size) else {
            return try recover(config: config).nextOffset
        }
        var position = offsetIndex.lastEntry?.position ?? 0
        var nextOffset: Int64? = nil
        var scanner = scanner(limit: size)
        while let header = try scanner.header(at: position) {
            if header.maxTimestamp > maxTimestamp {
                maxTimestamp = header.maxTimestamp
                offsetOfMaxTimestamp = header.lastOffset
            }
            bytesSinceLastIndexEntry += header.totalSize
            nextOffset = header.nextOffset
            position += Int64(header.totalSize)
        }
        if position != size {  // a torn tail the indexes did not know about
            return try recover(config: config).nextOffset
        }
        if rollingBasedTimestamp == nil, size > 0 {
            rollingBasedTimestamp = try scanner.header(at: 0)?.maxTimestamp  // the window often holds it
        }
        return nextOffset
    }

    /// Drops every batch with offsets >= `offset` (the batch containing `offset` goes too: batches are
    /// kept whole).
    func truncate(from offset: Int64) throws(LogError) {
        var translator = scanner(limit: size)
        let (position, _) = try translate(offset, using: &translator)
        try file.truncate(to: position)
        size = position
        reservedSize = position
        offsetIndex.truncate(from: offset)
        timeIndex.truncate(from: offset)
        // Re-derive the running maximum from what is left.
        maxTimestamp = -1
        offsetOfMaxTimestamp = -1
        bytesSinceLastIndexEntry = 0
        var scan = offsetIndex.lastEntry?.position ?? 0
        if let last = timeIndex.lastEntry {
            maxTimestamp = last.timestamp
            offsetOfMaxTimestamp = last.offset
        }
        var remaining = scanner(limit: size)
        while let header = try remaining.header(at: scan) {
            if header.maxTimestamp > maxTimestamp {
                maxTimestamp = header.maxTimestamp
                offsetOfMaxTimestamp = header.lastOffset
            }
            bytesSinceLastIndexEntry += header.totalSize
            scan += Int64(header.totalSize)
        }
        if size == 0 { rollingBasedTimestamp = nil }
    }

    /// The segment stops being active: indexes shrink to their used entries.
    func closeForAppends() throws(LogError) {
        guard isOpenForAppends else { return }
        try offsetIndex.file.trim()
        try timeIndex.file.trim()
        isOpenForAppends = false
    }

    /// Grows the indexes back to `segment.index.bytes` so appends can index again.
    func reopenForAppends(config: LogConfig) throws(LogError) {
        try offsetIndex.file.reopenForAppend(maxBytes: config.segmentIndexBytes)
        try timeIndex.file.reopenForAppend(maxBytes: config.segmentIndexBytes)
        isOpenForAppends = true
    }

    /// Both index files, opened for an fdatasync through the ring.
    func indexFilesForSync() throws(LogError) -> [SegmentFileHandle] {
        [try offsetIndex.file.openForSync(), try timeIndex.file.openForSync()]
    }

    /// Unlinks the three files. The `.log` fd stays open until the last `SegmentFileHandle` reference
    /// (e.g. a fetch being sent) is released.
    func deleteFiles() {
        FileSystem.remove(file.path)
        offsetIndex.file.deleteFile()
        timeIndex.file.deleteFile()
    }
}

/// Reads batch headers through a 64 KiB window: one pread serves every header inside it, instead of one
/// pread per 61-byte header. Only bytes below `limit` (written ones) are ever returned.
struct HeaderScanner {
    static let windowBytes = 64 * 1024
    let segment: LogSegment
    let limit: Int64
    private var window = ByteBuffer()
    private var windowStart: Int64 = 0

    init(segment: LogSegment, limit: Int64) {
        self.segment = segment
        self.limit = limit
    }

    /// The header at `position` if the whole batch lies below `limit`; nil at the end.
    mutating func header(at position: Int64) throws(LogError) -> RecordBatchHeader? {
        let headerEnd = position + Int64(RecordBatchHeader.size)
        guard headerEnd <= limit else { return nil }
        if position < windowStart || headerEnd > windowStart + Int64(window.readableBytes) {
            window = try segment.file.read(at: position, count: Int(min(Int64(Self.windowBytes), limit - position)))
            windowStart = position
        }
        do {
            let header = try RecordBatchHeader(parsing: window, at: Int(position - windowStart))
            return position + Int64(header.totalSize) <= limit ? header : nil
        } catch {
            throw LogError(.corruptBatch, "\(segment.file.path) at \(position): \(error)")
        }
    }
}
