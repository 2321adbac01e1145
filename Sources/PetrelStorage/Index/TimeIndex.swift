/// Time index of one segment (`<baseOffset>.timeindex`), Kafka's format:
/// ```
/// entry (12 bytes, big-endian): timestamp int64 | relativeOffset int32
/// ```
/// Each entry records the largest batch `maxTimestamp` seen so far in the segment and the last offset
/// of the batch that carried it; entries are added only when that maximum grows, so timestamps are
/// strictly increasing and a binary search answers "where do timestamps >= t start".
final class TimeIndex {
    static let entrySize = 12
    let baseOffset: Int64
    let file: MappedIndexFile

    init(path: String, baseOffset: Int64, maxBytes: Int) throws(LogError) {
        self.baseOffset = baseOffset
        file = try MappedIndexFile(path: path, entrySize: Self.entrySize, maxBytes: maxBytes)
    }

    var entries: Int { file.entries }
    var isFull: Bool { file.isFull }

    func entry(_ index: Int) -> (timestamp: Int64, offset: Int64) {
        let bytes = file.entry(index)
        return (bytes.loadBigEndian(at: 0, as: Int64.self), baseOffset + Int64(bytes.loadBigEndian(at: 8, as: Int32.self)))
    }

    var lastEntry: (timestamp: Int64, offset: Int64)? { entries > 0 ? entry(entries - 1) : nil }

    /// Appends when `timestamp` is larger than the last entry's (the index tracks a running maximum).
    func maybeAppend(timestamp: Int64, offset: Int64) {
        if let last = lastEntry, timestamp <= last.timestamp { return }
        file.append { target in
            target.storeBigEndian(timestamp, at: 0)
            target.storeBigEndian(Int32(truncatingIfNeeded: offset - baseOffset), at: 8)
        }
    }

    /// The greatest entry with timestamp < `timestamp`: every batch up to its offset is older than the
    /// target, so a scan for the first batch with maxTimestamp >= target may start at that offset.
    /// nil: scan from the segment start.
    func lookupBefore(_ timestamp: Int64) -> Int64? {
        var low = 0
        var high = entries - 1
        var found: Int64? = nil
        while low <= high {
            let mid = (low + high) / 2
            let candidate = entry(mid)
            if candidate.timestamp < timestamp {
                found = candidate.offset
                low = mid + 1
            } else {
                high = mid - 1
            }
        }
        return found
    }

    func truncate(from offset: Int64) {
        var keep = entries
        while keep > 0 && entry(keep - 1).offset >= offset { keep -= 1 }
        file.truncate(toEntries: keep)
    }

    func isSane() -> Bool {
        var previous: (timestamp: Int64, offset: Int64)? = nil
        for index in 0..<entries {
            let current = entry(index)
            if current.offset < baseOffset { return false }
            if let previous, current.timestamp <= previous.timestamp || current.offset < previous.offset { return false }
            previous = current
        }
        return true
    }
}
