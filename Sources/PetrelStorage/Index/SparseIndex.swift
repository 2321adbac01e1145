/// One entry of a sparse segment index and its fixed big-endian layout in the file (Kafka's formats).
///
/// Entries are non-decreasing in `offset`, which is how both indexes are truncated; everything else
/// (the search key, the sanity rules) is the layout's own.
protocol IndexEntry {
    /// Bytes per entry in the file.
    static var size: Int { get }
    /// The absolute offset the entry points at.
    var offset: Int64 { get }
    /// Decodes the `size` bytes of an entry; relative offsets are added to `baseOffset`.
    init(loading bytes: UnsafeRawBufferPointer, baseOffset: Int64)
    /// Encodes the entry into `size` bytes, its offset relative to `baseOffset`.
    func store(into bytes: UnsafeMutableRawBufferPointer, baseOffset: Int64)
    /// Whether the entry is plausible after `previous` (nil: the first entry) in the index of a segment
    /// starting at `baseOffset` and holding `segmentSize` bytes; an index failing it is rebuilt.
    func isValid(after previous: Self?, baseOffset: Int64, segmentSize: Int64) -> Bool
}

/// The shared body of `OffsetIndex` and `TimeIndex`: typed entries over a `MappedIndexFile`.
///
/// Generic over the entry struct (not an existential), so appends on the produce path and binary
/// searches on the fetch path are specialized to the concrete layout within the module.
final class SparseIndex<Entry: IndexEntry> {
    let baseOffset: Int64
    let file: MappedIndexFile

    init(path: String, baseOffset: Int64, maxBytes: Int) throws(LogError) {
        self.baseOffset = baseOffset
        file = try MappedIndexFile(path: path, entrySize: Entry.size, maxBytes: maxBytes)
    }

    var entries: Int { file.entries }
    var isFull: Bool { file.isFull }

    func entry(_ index: Int) -> Entry {
        Entry(loading: file.entry(index), baseOffset: baseOffset)
    }

    var lastEntry: Entry? { entries > 0 ? entry(entries - 1) : nil }

    func append(_ entry: Entry) {
        file.append { target in entry.store(into: target, baseOffset: baseOffset) }
    }

    /// The last entry satisfying `isBefore`, which must hold for a prefix of the entries (binary search);
    /// nil when it holds for none.
    func lastEntry(where isBefore: (Entry) -> Bool) -> Entry? {
        var low = 0
        var high = entries - 1
        var found: Entry? = nil
        while low <= high {
            let mid = (low + high) / 2
            let candidate = entry(mid)
            if isBefore(candidate) {
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

    /// Every entry valid after its predecessor (see `IndexEntry.isValid`).
    func isSane(segmentSize: Int64) -> Bool {
        var previous: Entry? = nil
        for index in 0..<entries {
            let current = entry(index)
            guard current.isValid(after: previous, baseOffset: baseOffset, segmentSize: segmentSize) else { return false }
            previous = current
        }
        return true
    }
}
