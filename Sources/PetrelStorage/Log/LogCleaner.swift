import Glibc
import NIOCore
import PetrelProtocol

/// What one cleaner pass over a partition did.
public struct CleanerStats: Sendable, Hashable {
    /// Segments rewritten and swapped in.
    public var segmentsCleaned = 0
    public var bytesRead: Int64 = 0
    public var bytesWritten: Int64 = 0
    /// Records dropped: superseded by a later record with the same key, or expired tombstones.
    public var recordsRemoved = 0
    /// Whole batches dropped because none of their records survived.
    public var batchesRemoved = 0
    /// Offsets below this are now clean (the new `firstDirtyOffset`).
    public var cleanedUpTo: Int64 = 0
}

/// Log compaction (`cleanup.policy=compact`) of one partition, Kafka's log cleaner.
///
/// A pass covers the cleanable segments: every inactive segment, oldest first, up to the first one whose
/// newest record is younger than `min.compaction.lag.ms` (or which still has a write in flight). It runs
/// only when the dirty bytes (segments at or above `firstDirtyOffset`) are at least
/// `min.cleanable.dirty.ratio` of the cleanable bytes. The offset map (key -> latest offset) is built
/// over the dirty section; then every cleanable segment, clean ones included (so tombstones there can
/// expire), is rewritten without:
/// - records whose key has a later offset in the map;
/// - tombstones (null value) whose timestamp is older than `now - delete.retention.ms`.
///
/// Batch rules: a batch that keeps all its records is copied byte for byte; one that loses some is rebuilt
/// with the same `baseOffset`, `lastOffsetDelta`, producer fields and compression, the survivors keeping
/// their offset deltas (offsets never move). A batch that loses all its records is dropped, except the last
/// batch of a segment, which keeps its newest record so the segment still ends where the next one starts
/// (recovery reads a short segment as a lost tail). Not an empty batch: librdkafka cannot step over one
/// (its fetch stops with MSG_SIZE_TOO_LARGE); a superseded value kept is within compaction's promise. Control batches (transaction markers) and
/// transactional batches are copied as they are and their keys do not enter the offset map: without an
/// aborted-transaction index the cleaner cannot tell committed from aborted data, so it never lets one
/// supersede the other. Producer state is loaded from the newest snapshot (written at each roll, so at or
/// above every cleaned segment) and replays only later batches; a producer all of whose batches were
/// compacted away is forgotten only when no snapshot is left, as Kafka expires it. Records without a key
/// are kept.
///
/// Concurrency: the plan (which segments, their sizes) is taken under the partition lock; reading,
/// filtering and writing `<base>.log.cleaned` files (fdatasync'ed) happen outside it, beside appends. The
/// swap takes the lock again: each source segment must still be there, inactive, unchanged and not
/// truncated meanwhile; then `.cleaned` -> `.swap` (directory fsync'ed: from here recovery completes the
/// swap), the old indexes are unlinked, `.swap` -> `.log`, and a segment over the new file replaces the old
/// one with indexes built from the headers written. Readers holding the old file handle keep reading the
/// old (unlinked) file. Recovery deletes leftover `.cleaned` files and finishes `.swap` ones.
///
/// The offset map holds whole keys: memory grows with the distinct keys of the dirty section.
/// `firstDirtyOffset` is checkpointed in `cleaner-offset-checkpoint` (`LogManager.checkpoint`).
extension PartitionLog {
    /// A segment as the cleaner sees it outside the lock: immutable facts plus the file handle, which keeps
    /// the fd open even if retention deletes the segment meanwhile.
    struct CleanableSegment: Sendable {
        let baseOffset: Int64
        let file: SegmentFileHandle
        let size: Int64
        /// The next segment's base offset: where this segment's offsets end.
        let endOffset: Int64
    }

    struct CleaningPlan: Sendable {
        let segments: [CleanableSegment]
        let firstDirtyOffset: Int64
        let truncationCount: Int
        var cleanableEndOffset: Int64 { segments.last?.endOffset ?? firstDirtyOffset }
    }

    /// One rewritten segment waiting in `<base>.log.cleaned`, with the headers and positions of its batches.
    struct CleanedSegment {
        let source: CleanableSegment
        let batches: [(header: RecordBatchHeader, position: Int64)]
    }

    /// Offsets below this were compacted by the last cleaner pass.
    public var firstDirtyOffset: Int64 { state.withLock { $0.firstDirtyOffset } }

    /// Resumes the cleaner at a checkpointed offset, never beyond the log end offset: anything appended
    /// after recovery is dirty.
    func restoreFirstDirtyOffset(_ offset: Int64) {
        state.withLock { $0.firstDirtyOffset = min(max(0, offset), $0.logEndOffset) }
    }

    /// Runs one cleaner pass if `cleanup.policy` includes `compact` and the dirty ratio is reached; returns
    /// nil when nothing was due (or a pass is already running). Blocking file I/O: the broker calls it
    /// every `log.cleaner.backoff.ms` (`LogManagerConfig.cleanerBackoff`) from a background thread
    /// (`LogManager.cleanLogs`).
    public func cleanIfNeeded(now: Int64) throws(LogError) -> CleanerStats? {
        guard config.cleanupPolicy.contains(.compact), let plan = planCleaning(now: now) else { return nil }
        var stats = CleanerStats()
        var cleaned: [CleanedSegment] = []
        do throws(LogError) {
            let offsetMap = try buildOffsetMap(plan)
            for segment in plan.segments {
                cleaned.append(try writeCleaned(segment, offsetMap: offsetMap, now: now, stats: &stats))
            }
        } catch {
            for segment in plan.segments { FileSystem.remove(cleanedPath(segment.baseOffset, ".log.cleaned")) }
            state.withLock { $0.isCleaning = false }
            throw error
        }
        stats.segmentsCleaned = try swapIn(cleaned, plan: plan)
        stats.cleanedUpTo = plan.cleanableEndOffset
        return stats
    }

    /// Under the lock: picks the cleanable segments and checks the dirty ratio; marks the pass running.
    private func planCleaning(now: Int64) -> CleaningPlan? {
        state.withLock { state -> CleaningPlan? in
            guard !state.isCleaning, !state.isDeleted, state.failure == nil else { return nil }
            let horizon = now - config.minCompactionLag.milliseconds
            var segments: [CleanableSegment] = []
            for (slot, segment) in state.segments.enumerated().dropLast()
            where segment.maxTimestamp <= horizon && segment.reservedSize == segment.size {
                guard segments.count == slot else { break }
                segments.append(CleanableSegment(
                    baseOffset: segment.baseOffset, file: segment.file, size: segment.size,
                    endOffset: state.segments[slot + 1].baseOffset))
            }
            let firstDirty = max(state.firstDirtyOffset, state.logStartOffset)
            let total = segments.reduce(Int64(0)) { $0 + $1.size }
            let dirty = segments.filter { $0.endOffset > firstDirty }.reduce(Int64(0)) { $0 + $1.size }
            guard total > 0, Double(dirty) / Double(total) >= config.minCleanableDirtyRatio else { return nil }
            state.isCleaning = true
            return CleaningPlan(segments: segments, firstDirtyOffset: firstDirty, truncationCount: state.truncationCount)
        }
    }

    /// Key -> latest offset over the dirty section (offsets at or above `firstDirtyOffset`), from
    /// non-transactional data batches.
    private func buildOffsetMap(_ plan: CleaningPlan) throws(LogError) -> [ByteBuffer: Int64] {
        var map: [ByteBuffer: Int64] = [:]
        for segment in plan.segments where segment.endOffset > plan.firstDirtyOffset {
            try forEachBatch(in: segment) { batch, _ throws(LogError) in
                guard batch.header.lastOffset >= plan.firstDirtyOffset, Self.isCompactable(batch.header) else { return }
                for record in try Self.records(of: batch, in: segment) {
                    let offset = batch.offset(of: record)
                    if let key = record.key, offset >= plan.firstDirtyOffset { map[key] = offset }
                }
            }
        }
        return map
    }

    /// Control and transactional batches are never filtered (see the type's comment).
    private static func isCompactable(_ header: RecordBatchHeader) -> Bool {
        !header.attributes.contains(.control) && !header.attributes.contains(.transactional)
    }

    /// The records of `batch`, checked to have strictly increasing offset deltas inside the batch's range
    /// (produce validates headers only, and a rebuilt batch must be valid).
    private static func records(of batch: RecordBatch, in segment: CleanableSegment) throws(LogError) -> [Record] {
        let records: [Record]
        do {
            // Records are bounded by Int32 lengths; the codecs never trust a declared size blindly.
            var iterator = try batch.records(maxDecompressedBytes: Int(Int32.max))
            records = try iterator.collect()
        } catch {
            throw LogError(.corruptBatch, "\(segment.file.path) batch at offset \(batch.header.baseOffset): \(error)")
        }
        var previous: Int32 = -1
        for record in records {
            guard record.offsetDelta > previous, record.offsetDelta <= batch.header.lastOffsetDelta else {
                throw LogError(
                    .corruptBatch,
                    "\(segment.file.path) batch at offset \(batch.header.baseOffset): offset delta \(record.offsetDelta) out of order")
            }
            previous = record.offsetDelta
        }
        return records
    }

    /// Calls `body` with each batch of `segment` and whether it is the segment's last.
    private func forEachBatch(
        in segment: CleanableSegment, _ body: (RecordBatch, Bool) throws(LogError) -> Void
    ) throws(LogError) {
        var position: Int64 = 0
        while position < segment.size {
            let headerBytes = try segment.file.read(at: position, count: RecordBatchHeader.size)
            let header: RecordBatchHeader
            do {
                header = try RecordBatchHeader(parsing: headerBytes, at: 0)
            } catch {
                throw LogError(.corruptBatch, "\(segment.file.path) at \(position): \(error)")
            }
            guard header.totalSize >= RecordBatchHeader.size, Int64(header.totalSize) <= segment.size - position else {
                throw LogError(.corruptBatch, "\(segment.file.path) at \(position): batch of \(header.totalSize) bytes")
            }
            let bytes = try segment.file.read(at: position, count: header.totalSize)
            let batch: RecordBatch
            do {
                batch = try RecordBatch(bytes)
            } catch {
                throw LogError(.corruptBatch, "\(segment.file.path) at \(position): \(error)")
            }
            let next = position + Int64(header.totalSize)
            try body(batch, next == segment.size)
            position = next
        }
    }

    func cleanedPath(_ baseOffset: Int64, _ suffix: String) -> String {
        directory + "/" + LogSegment.fileName(baseOffset, suffix)
    }

    /// Writes the compacted copy of `segment` to `<base>.log.cleaned` and fdatasyncs it.
    private func writeCleaned(
        _ segment: CleanableSegment, offsetMap: [ByteBuffer: Int64], now: Int64, stats: inout CleanerStats
    ) throws(LogError) -> CleanedSegment {
        let file = try SegmentFileHandle.open(cleanedPath(segment.baseOffset, ".log.cleaned"), create: true)
        try file.truncate(to: 0)
        var written: [(header: RecordBatchHeader, position: Int64)] = []
        var position: Int64 = 0
        let tombstoneHorizon = now - config.deleteRetention.milliseconds
        try forEachBatch(in: segment) { batch, isLast throws(LogError) in
            stats.bytesRead += Int64(batch.header.totalSize)
            var output = batch
            if Self.isCompactable(batch.header) {
                let records = try Self.records(of: batch, in: segment)
                var kept = records.filter { record in
                    let offset = batch.offset(of: record)
                    if let key = record.key, let latest = offsetMap[key], latest > offset { return false }
                    return record.value != nil || batch.timestamp(of: record) >= tombstoneHorizon
                }
                if kept.isEmpty && isLast, let newest = records.last { kept = [newest] }
                stats.recordsRemoved += records.count - kept.count
                if kept.isEmpty && !isLast {
                    stats.batchesRemoved += 1
                    return
                }
                if kept.count != records.count { output = try Self.rebuild(batch, keeping: kept) }
            }
            do throws(IOErrno) {
                try file.write(output.bytes, at: position)
            } catch {
                throw LogError(.storage, "write \(file.path): \(error)")
            }
            written.append((output.header, position))
            position += Int64(output.header.totalSize)
            stats.bytesWritten += Int64(output.header.totalSize)
        }
        try file.sync()
        return CleanedSegment(source: segment, batches: written)
    }

    /// `batch` with only `kept` records: same baseOffset, lastOffsetDelta (so the offset range, hence the
    /// producer's lastSequence, is unchanged), producer fields, leader epoch and compression. An emptied
    /// batch keeps its timestamps.
    private static func rebuild(_ batch: RecordBatch, keeping kept: [Record]) throws(LogError) -> RecordBatch {
        let header = batch.header
        var builder = RecordBatchBuilder(
            baseOffset: header.baseOffset, partitionLeaderEpoch: header.partitionLeaderEpoch,
            compression: batch.compression ?? .none,
            logAppendTime: header.attributes.contains(.logAppendTime) ? header.maxTimestamp : nil,
            producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence)
        for record in kept { builder.append(record, baseTimestamp: header.baseTimestamp) }
        var bytes: ByteBuffer
        do {
            bytes = try builder.build()
        } catch {
            throw LogError(.corruptBatch, "recompressing batch at offset \(header.baseOffset): \(error)")
        }
        let at = bytes.readerIndex
        bytes.setInteger(header.lastOffsetDelta, at: at + RecordBatchHeader.Field.lastOffsetDelta)
        if kept.isEmpty {
            bytes.setInteger(header.baseTimestamp, at: at + RecordBatchHeader.Field.baseTimestamp)
            bytes.setInteger(header.maxTimestamp, at: at + RecordBatchHeader.Field.maxTimestamp)
        }
        RecordBatchHeader.sealCRC(in: &bytes, at: at)
        do {
            return try RecordBatch(bytes)
        } catch {
            throw LogError(.corruptBatch, "rebuilt batch at offset \(header.baseOffset): \(error)")
        }
    }

    /// Under the lock: swaps each cleaned file in for its segment if that segment is unchanged; returns
    /// how many were swapped. The `.cleaned` files of segments that went away are deleted.
    private func swapIn(_ cleaned: [CleanedSegment], plan: CleaningPlan) throws(LogError) -> Int {
        try state.withLock { state throws(LogError) -> Int in
            defer { state.isCleaning = false }
            var slots: [(slot: Int, cleaned: CleanedSegment)] = []
            for segment in cleaned {
                let source = segment.source
                let path = cleanedPath(source.baseOffset, ".log.cleaned")
                guard state.truncationCount == plan.truncationCount, !state.isDeleted,
                    let slot = state.segments.firstIndex(where: { $0.file === source.file }),
                    slot < state.segments.count - 1, state.segments[slot].size == source.size
                else {
                    FileSystem.remove(path)
                    continue
                }
                try FileSystem.rename(path, cleanedPath(source.baseOffset, ".log.swap"))
                slots.append((slot, segment))
            }
            guard !slots.isEmpty else { return 0 }
            FileSystem.syncDirectory(directory)  // the commit point: recovery now completes the swaps
            for (slot, segment) in slots {
                let old = state.segments[slot]
                old.offsetIndex.file.deleteFile()
                old.timeIndex.file.deleteFile()
                try FileSystem.rename(cleanedPath(segment.source.baseOffset, ".log.swap"), old.logPath)
            }
            FileSystem.syncDirectory(directory)
            for (slot, segment) in slots {
                let fresh = try LogSegment(
                    directory: directory, baseOffset: segment.source.baseOffset, indexBytes: config.segmentIndexBytes,
                    create: true)
                for (header, position) in segment.batches {
                    fresh.indexBatch(header, at: position, intervalBytes: config.indexIntervalBytes)
                }
                try fresh.closeForAppends()
                state.segments[slot] = fresh
            }
            state.firstDirtyOffset = max(state.firstDirtyOffset, plan.cleanableEndOffset)
            return slots.count
        }
    }

    /// Recovery, before segments are loaded: deletes `.cleaned` files (a pass that never reached its
    /// commit point) and completes `.swap` files (unlinks the old indexes, renames over the `.log`).
    /// Returns the base offsets of swapped segments: their indexes must be rebuilt.
    static func completeCleanerSwaps(directory: String, names: [String]) throws(LogError) -> Set<Int64> {
        var swapped: Set<Int64> = []
        for name in names where name.hasSuffix(".log.cleaned") { FileSystem.remove(directory + "/" + name) }
        for name in names where name.hasSuffix(".log.swap") && name.count == 29 {
            guard let base = Int64(name.prefix(20)) else { continue }
            FileSystem.remove(directory + "/" + LogSegment.fileName(base, ".index"))
            FileSystem.remove(directory + "/" + LogSegment.fileName(base, ".timeindex"))
            try FileSystem.rename(directory + "/" + name, directory + "/" + LogSegment.fileName(base, ".log"))
            swapped.insert(base)
        }
        if !swapped.isEmpty { FileSystem.syncDirectory(directory) }
        return swapped
    }
}

extension LogManager {
    /// Runs a cleaner pass on every log whose `cleanup.policy` includes `compact` and whose dirty ratio is
    /// reached; call every `log.cleaner.backoff.ms` from a background thread. Returns the passes that ran;
    /// a failing log is skipped (its error is thrown after the others ran).
    @discardableResult
    public func cleanLogs(now: Int64) throws(LogError) -> [CleanerStats] {
        var results: [CleanerStats] = []
        var firstError: LogError?
        for log in allLogs {
            do throws(LogError) {
                if let stats = try log.cleanIfNeeded(now: now) { results.append(stats) }
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        return results
    }
}
