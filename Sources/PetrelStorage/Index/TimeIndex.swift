/// Time index of one segment (`<baseOffset>.timeindex`), Kafka's format:
/// ```
/// entry (12 bytes, big-endian): timestamp int64 | relativeOffset int32
/// ```
/// Each entry records the largest batch `maxTimestamp` seen so far in the segment and the last offset
/// of the batch that carried it; entries are added only when that maximum grows, so timestamps are
/// strictly increasing and a binary search answers "where do timestamps >= t start".
typealias TimeIndex = SparseIndex<TimestampOffset>

/// A time index entry (Kafka's `TimestampOffset`).
struct TimestampOffset: Equatable {
    var timestamp: Int64
    var offset: Int64
}

extension TimestampOffset: IndexEntry {
    static let size = 12

    init(loading bytes: UnsafeRawBufferPointer, baseOffset: Int64) {
        timestamp = bytes.loadBigEndian(at: 0, as: Int64.self)
        offset = baseOffset + Int64(bytes.loadBigEndian(at: 8, as: Int32.self))
    }

    func store(into bytes: UnsafeMutableRawBufferPointer, baseOffset: Int64) {
        bytes.storeBigEndian(timestamp, at: 0)
        bytes.storeBigEndian(Int32(truncatingIfNeeded: offset - baseOffset), at: 8)
    }

    /// Within the segment's offsets, timestamps strictly increasing, offsets non-decreasing (the entry
    /// stores no position, so `segmentSize` does not apply).
    func isValid(after previous: TimestampOffset?, baseOffset: Int64, segmentSize: Int64) -> Bool {
        guard offset >= baseOffset else { return false }
        guard let previous else { return true }
        return timestamp > previous.timestamp && offset >= previous.offset
    }
}

extension SparseIndex where Entry == TimestampOffset {
    /// Appends when `timestamp` is larger than the last entry's (the index tracks a running maximum).
    func maybeAppend(timestamp: Int64, offset: Int64) {
        if let last = lastEntry, timestamp <= last.timestamp { return }
        append(TimestampOffset(timestamp: timestamp, offset: offset))
    }

    /// The greatest entry with timestamp < `timestamp`: every batch up to its offset is older than the
    /// target, so a scan for the first batch with maxTimestamp >= target may start at that offset.
    /// nil: scan from the segment start.
    func lookupBefore(_ timestamp: Int64) -> Int64? {
        lastEntry { $0.timestamp < timestamp }?.offset
    }
}
