import Glibc

/// A fixed-entry-size index file, memory-mapped and preallocated to `segment.index.bytes`.
///
/// Entries are appended in order; the file is trimmed to the used entries when the segment stops
/// being active (roll, close). After an unclean stop the preallocated zero tail is recognised and
/// dropped on open; `OffsetIndex`/`TimeIndex` then check ordering and the segment rebuilds on doubt.
///
/// No descriptor stays open: the mapping outlives it, and the file is reopened by path only to resize
/// it or to hand it to an fdatasync. With 10,000 partitions this keeps the broker at one fd per segment
/// (its `.log`).
final class MappedIndexFile {
    private(set) var path: String
    let entrySize: Int
    private(set) var entries: Int
    private(set) var capacity: Int
    private var base: UnsafeMutableRawPointer?
    private var mappedBytes: Int

    init(path: String, entrySize: Int, maxBytes: Int) throws(LogError) {
        self.path = path
        self.entrySize = entrySize
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LogError(.storage, "open \(path): \(IOErrno(errno))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw LogError(.storage, "fstat \(path): \(IOErrno(errno))") }
        let existing = Int(info.st_size) / entrySize
        entries = existing
        capacity = 0
        mappedBytes = 0
        base = nil
        try map(capacity: max(existing, maxBytes / entrySize), fd: fd, fileBytes: Int(info.st_size))
        entries = usedEntries(upTo: existing)
    }

    deinit {
        unmap()
    }

    /// Runs `body` with a descriptor of the file, opened for the call.
    private func withDescriptor<T>(_ body: (CInt) throws(LogError) -> T) throws(LogError) -> T {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw LogError(.storage, "open \(path): \(IOErrno(errno))") }
        defer { close(fd) }
        return try body(fd)
    }

    /// Entries before the zero-filled preallocated tail: one backwards pass over 8-byte words (an
    /// unclean stop leaves `segment.index.bytes` of mostly zeros behind).
    private func usedEntries(upTo count: Int) -> Int {
        guard let base, count > 0 else { return 0 }
        let bytes = count * entrySize
        var end = bytes
        while end >= 8 && base.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self) == 0 { end -= 8 }
        while end > 0 && base.load(fromByteOffset: end - 1, as: UInt8.self) == 0 { end -= 1 }
        return (end + entrySize - 1) / entrySize
    }

    private func map(capacity newCapacity: Int) throws(LogError) {
        try withDescriptor { fd throws(LogError) in
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw LogError(.storage, "fstat \(path): \(IOErrno(errno))") }
            try map(capacity: newCapacity, fd: fd, fileBytes: Int(info.st_size))
        }
    }

    /// Maps `newCapacity` entries, resizing the file (`fileBytes` long now) only when its size changes: a
    /// same-size ftruncate still dirties the inode (mtime), a journal write per index on ext4.
    private func map(capacity newCapacity: Int, fd: CInt, fileBytes: Int) throws(LogError) {
        unmap()
        capacity = newCapacity
        let bytes = newCapacity * entrySize
        if bytes != fileBytes {
            guard ftruncate(fd, off_t(bytes)) == 0 else { throw LogError(.storage, "ftruncate \(path): \(IOErrno(errno))") }
        }
        guard bytes > 0 else { return }
        let address = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let address, address != MAP_FAILED else { throw LogError(.storage, "mmap \(path): \(IOErrno(errno))") }
        // No readahead on faults: the first entry written to a preallocated (sparse) index would otherwise
        // fault in and zero up to 32 pages of holes; with 1000 partitions appended round-robin those
        // faults took a quarter of the append path's CPU (perf). Lookups are binary searches anyway.
        _ = madvise(address, bytes, MADV_RANDOM)
        base = address
        mappedBytes = bytes
    }

    private func unmap() {
        if let base { munmap(base, mappedBytes) }
        base = nil
        mappedBytes = 0
    }

    var isFull: Bool { entries >= capacity }

    /// Entry `index` as raw bytes (big-endian fields, Kafka's layout).
    func entry(_ index: Int) -> UnsafeRawBufferPointer {
        precondition(index < entries)
        return UnsafeRawBufferPointer(start: base! + index * entrySize, count: entrySize)
    }

    func append(_ write: (UnsafeMutableRawBufferPointer) -> Void) {
        precondition(!isFull, "index \(path) is full")
        write(UnsafeMutableRawBufferPointer(start: base! + entries * entrySize, count: entrySize))
        entries += 1
    }

    /// Drops entries from `count` on (zeroed, so a reopen does not see them).
    func truncate(toEntries count: Int) {
        guard count < entries else { return }
        memset(base! + count * entrySize, 0, (entries - count) * entrySize)
        entries = count
    }

    /// Shrinks the file to the used entries (segment no longer active).
    func trim() throws(LogError) {
        try map(capacity: entries)
    }

    /// Grows the file back to `maxBytes` so appends can continue (segment re-activated after truncation).
    func reopenForAppend(maxBytes: Int) throws(LogError) {
        let used = entries
        try map(capacity: max(used, maxBytes / entrySize))
        entries = used
    }

    /// Opens the file for an fdatasync through the ring. On Linux that writes back the pages dirtied
    /// through the mapping (msync(MS_SYNC) is the same call) and the size set by the last resize.
    func openForSync() throws(LogError) -> SegmentFileHandle {
        try SegmentFileHandle.open(path, create: false)
    }

    func deleteFile() {
        unlink(path)
    }

    func rename(to newPath: String) {
        if Glibc.rename(path, newPath) == 0 { path = newPath }
    }
}

extension UnsafeRawBufferPointer {
    func loadBigEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    func storeBigEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
    }
}
