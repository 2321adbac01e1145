/// Sparse offset index of one segment (`<baseOffset>.index`), Kafka's format:
/// ```
/// entry (8 bytes, big-endian): relativeOffset int32 | position int32
/// ```
/// One entry per `index.interval.bytes` of log: the last offset of a batch relative to the segment's
/// base offset, and the file position where that batch starts. Entries are strictly increasing in
/// both fields, so a binary search finds the greatest entry at or below a target offset.
typealias OffsetIndex = SparseIndex<OffsetPosition>

/// An offset index entry (Kafka's `OffsetPosition`).
struct OffsetPosition: Equatable {
    var offset: Int64
    var position: Int64
}

extension OffsetPosition: IndexEntry {
    static let size = 8

    init(loading bytes: UnsafeRawBufferPointer, baseOffset: Int64) {
        offset = baseOffset + Int64(bytes.loadBigEndian(at: 0, as: Int32.self))
        position = Int64(bytes.loadBigEndian(at: 4, as: Int32.self))
    }

    func store(into bytes: UnsafeMutableRawBufferPointer, baseOffset: Int64) {
        bytes.storeBigEndian(Int32(truncatingIfNeeded: offset - baseOffset), at: 0)
        bytes.storeBigEndian(Int32(truncatingIfNeeded: position), at: 4)
    }

    /// Within the segment, and strictly increasing in both fields.
    func isValid(after previous: OffsetPosition?, baseOffset: Int64, segmentSize: Int64) -> Bool {
        guard offset >= baseOffset, position < segmentSize else { return false }
        guard let previous else { return true }
        return offset > previous.offset && position > previous.position
    }
}

extension SparseIndex where Entry == OffsetPosition {
    /// The greatest entry with offset <= `offset`, or (baseOffset, 0) when none: where a scan for
    /// `offset` can start.
    func lookup(_ offset: Int64) -> OffsetPosition {
        lastEntry { $0.offset <= offset } ?? OffsetPosition(offset: baseOffset, position: 0)
    }
}
