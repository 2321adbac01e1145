/// Sparse offset index of one segment (`<baseOffset>.index`), Kafka's format:
/// ```
/// entry (8 bytes, big-endian): relativeOffset int32 | position int32
/// ```
/// One entry per `index.interval.bytes` of log: the last offset of a batch relative to the segment's
/// base offset, and the file position where that batch starts. Entries are strictly increasing in
/// both fields, so a binary search finds the greatest entry at or below a target offset.
final class OffsetIndex {
    static let entrySize = 8
    let baseOffset: Int64
    let file: MappedIndexFile

    init(path: String, baseOffset: Int64, maxBytes: Int) throws(LogError) {
        self.baseOffset = baseOffset
        file = try MappedIndexFile(path: path, entrySize: Self.entrySize, maxBytes: maxBytes)
    }

    var entries: Int { file.entries }
    var isFull: Bool { file.isFull }

    func entry(_ index: Int) -> (offset: Int64, position: Int64) {
        let bytes = file.entry(index)
        return (baseOffset + Int64(bytes.loadBigEndian(at: 0, as: Int32.self)), Int64(bytes.loadBigEndian(at: 4, as: Int32.self)))
    }

    var lastEntry: (offset: Int64, position: Int64)? { entries > 0 ? entry(entries - 1) : nil }

    func append(offset: Int64, position: Int64) {
        file.append { target in
            target.storeBigEndian(Int32(truncatingIfNeeded: offset - baseOffset), at: 0)
            target.storeBigEndian(Int32(truncatingIfNeeded: position), at: 4)
        }
    }

    /// The greatest entry with offset <= `offset`, or (baseOffset, 0) when none: where a scan for
    /// `offset` can start.
    func lookup(_ offset: Int64) -> (offset: Int64, position: Int64) {
        var low = 0
        var high = entries - 1
        var found: (offset: Int64, position: Int64) = (baseOffset, 0)
        while low <= high {
            let mid = (low + high) / 2
            let candidate = entry(mid)
            if candidate.offset <= offset {
                found = candidate
                low = mid + 1
            } else {
                high = mid - 1
            }
        }
        return found
    }

    /// Removes entries for offsets >= `offset`.
    func truncate(from offset: Int64) {
        var keep = entries
        while keep > 0 && entry(keep - 1).offset >= offset { keep -= 1 }
        file.truncate(toEntries: keep)
    }

    /// Entries strictly increasing and within the segment's bytes.
    func isSane(segmentSize: Int64) -> Bool {
        var previous: (offset: Int64, position: Int64)? = nil
        for index in 0..<entries {
            let current = entry(index)
            if current.offset < baseOffset || current.position >= segmentSize { return false }
            if let previous, current.offset <= previous.offset || current.position <= previous.position { return false }
            previous = current
        }
        return true
    }
}
