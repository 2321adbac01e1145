import Logging
import NIOCore
import PetrelProtocol

/// The log of one partition: `<log dir>/<topic>-<partition>/` holding segments, their indexes and
/// producer-state snapshots (see the module README for the on-disk layout).
///
/// Offsets: `logStartOffset` <= readable offsets < `logEndOffset`. `recoveryPoint` is the offset
/// below which everything is known fdatasync'ed (recovery after a crash re-checks only what is above
/// it). The high watermark is not storage's business: the broker keeps it and passes it as `maxOffset`
/// to `read`.
///
/// Concurrency: every method may be called from any thread. State is guarded by one lock per
/// partition, held only for in-memory work, header reads and index lookups. Appends assign offsets and
/// file positions under the lock, queue the bytes to the shared `LogWriter` (the I/O thread that owns
/// the ring) and suspend; the I/O thread completes them in offset order. Readers see only bytes whose
/// write completed.
public final class PartitionLog: Sendable {
    public let topic: String
    public let partition: Int32
    public let directory: String
    public let logDirectory: LogDirectory
    /// The topic's configuration; `updateConfig` swaps it while the log is open (AlterConfigs).
    public var config: LogConfig { currentConfig.withLock { $0 } }
    private let currentConfig: Locked<LogConfig>
    let writer: LogWriter
    private let logger: Logger
    let state: Locked<State>

    struct Pending {
        var id: UInt64
        var segment: LogSegment
        var endPosition: Int64
        var info: AppendInfo
        var records: Int
        /// The write asked for an fdatasync: once that is done, everything below its end is durable.
        var sync: Bool
        /// The write's outcome, once reported.
        var written: Result<Void, IOErrno>?
        /// Its fdatasync finished (possibly before an earlier append's write, which holds it here).
        var synced = false
        var completion: PendingAppend
    }

    struct Flush {
        var id: UInt64
        var coversOffset: Int64
        var remaining: Int
        var failed: Bool
    }

    struct State {
        var segments: [LogSegment]
        /// Next offset to assign (includes appends in flight).
        var nextOffset: Int64
        var logEndOffset: Int64
        var logStartOffset: Int64
        var recoveryPoint: Int64
        var pending: [Pending] = []
        var flushes: [Flush] = []
        /// Recovery-point advances that wait for an earlier flush (see `advanceRecoveryPoint`), by id.
        var deferredRecoveryPoints: [(id: UInt64, offset: Int64)] = []
        /// Written appends not yet answered, in offset order: a durable one waits until `recoveryPoint`
        /// reaches `durableEnd` (its fdatasync may be in flight, or done while an older segment's flush
        /// is not), and every later one waits behind it.
        var writtenAppends: [(id: UInt64, durableEnd: Int64?, completion: AppendCompletion, info: AppendInfo)] = []
        var nextID: UInt64 = 0
        var producers = ProducerStateManager()
        var durableWaiters: [(endOffset: Int64, continuation: CheckedContinuation<Result<Void, LogError>, Never>)] = []
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
        var unflushedRecords = 0
        var firstUnflushedTime: Int64?
        var failure: LogError?
        var isDeleted = false
        /// Offsets below this were compacted by the last cleaner pass (Kafka's cleaner checkpoint).
        var firstDirtyOffset: Int64 = 0
        /// A cleaner pass is running: a second one returns at once.
        var isCleaning = false
        /// Bumped by `truncate(to:)`: a cleaner pass that overlapped a truncation swaps nothing in.
        var truncationCount = 0
        var active: LogSegment { segments[segments.count - 1] }
    }

    /// The resumptions collected under the lock and run after it is released.
    private struct Wakeups {
        var appends: [(AppendCompletion, Result<AppendInfo, LogError>)] = []
        var durable: [(CheckedContinuation<Result<Void, LogError>, Never>, Result<Void, LogError>)] = []
        var idle: [CheckedContinuation<Void, Never>] = []
        func run() {
            for (completion, result) in appends { completion.complete(result) }
            for (continuation, result) in durable { continuation.resume(returning: result) }
            for continuation in idle { continuation.resume() }
        }
    }

    // MARK: opening

    /// Opens (or creates) the partition folder and loads its segments.
    ///
    /// `cleanShutdown`: the log dir had `.kafka_cleanshutdown`, so indexes are trusted after a sanity
    /// check. Otherwise every segment holding offsets at or above `recoveryPoint` is scanned: length,
    /// magic, offsets and CRC-32C of each batch; the first bad batch and everything after it are
    /// truncated and the indexes of scanned segments are rebuilt.
    init(
        topic: String, partition: Int32, logDirectory: LogDirectory, config: LogConfig, writer: LogWriter,
        recoveryPoint checkpointedRecoveryPoint: Int64, logStartOffset checkpointedStart: Int64,
        cleanShutdown: Bool, logger: Logger
    ) throws(LogError) {
        self.topic = topic
        self.partition = partition
        self.logDirectory = logDirectory
        self.currentConfig = Locked(config)
        self.writer = writer
        self.logger = logger
        let directory = logDirectory.path + "/" + Self.folderName(topic: topic, partition: partition)
        self.directory = directory
        try FileSystem.makeDirectory(directory)

        let names = try FileSystem.list(directory)
        var bases: [Int64] = names.compactMap { name in
            guard name.hasSuffix(".log"), name.count == 24 else { return nil }
            return Int64(name.prefix(20))
        }.sorted()
        for name in names where name.hasSuffix(".tmp") { FileSystem.remove(directory + "/" + name) }
        let swapped = try Self.completeCleanerSwaps(directory: directory, names: names)
        for base in swapped where !bases.contains(base) { bases.append(base) }
        bases.sort()
        // A new log is about to be appended to: its indexes are sized at once, not on the first append.
        let isNew = bases.isEmpty
        if isNew { bases = [max(0, checkpointedStart)] }

        var segments: [LogSegment] = []
        var nextOffset: Int64 = bases[0]
        var recoveryPoint = checkpointedRecoveryPoint
        for (index, base) in bases.enumerated() {
            let isLast = index == bases.count - 1
            // Indexes are mapped as they are (trimmed); the active one grows on its first append.
            let segment = try LogSegment(
                directory: directory, baseOffset: base, indexBytes: isNew ? config.segmentIndexBytes : 0, create: true)
            let segmentEnd = isLast ? Int64.max : bases[index + 1]
            if swapped.contains(base) || (!cleanShutdown && segmentEnd > checkpointedRecoveryPoint) {
                let (next, truncated) = try segment.recover(config: config)
                nextOffset = next ?? max(nextOffset, base)
                segments.append(segment)
                // A segment that ends short of the next one's base lost its tail (the next segment's
                // writes landed, its own did not): the log must stay contiguous, so the rest goes too.
                let gap = !isLast && nextOffset != bases[index + 1]
                if truncated || gap {
                    logger.warning(
                        "truncated a torn or corrupt log tail during recovery",
                        metadata: ["petrel_partition": "\(topic)-\(partition)", "petrel_offset": "\(nextOffset)"])
                    for later in bases[(index + 1)...] {  // everything after the first bad batch goes
                        for suffix in [".log", ".index", ".timeindex"] {
                            FileSystem.remove(directory + "/" + LogSegment.fileName(later, suffix))
                        }
                    }
                    break
                }
            } else {
                nextOffset = try segment.load(config: config) ?? max(nextOffset, base)
                segments.append(segment)
            }
        }
        for segment in segments.dropLast() { try segment.closeForAppends() }  // those `recover` reopened
        recoveryPoint = min(recoveryPoint, nextOffset)
        if cleanShutdown { recoveryPoint = nextOffset }
        let logStartOffset = min(max(checkpointedStart, segments[0].baseOffset), nextOffset)
        var state = State(
            segments: segments, nextOffset: nextOffset, logEndOffset: nextOffset, logStartOffset: logStartOffset,
            recoveryPoint: recoveryPoint)
        state.producers = try Self.rebuildProducerState(state: state, directory: directory, names: names)
        self.state = Locked(state)
    }

    static func folderName(topic: String, partition: Int32) -> String { "\(topic)-\(partition)" }

    /// Applies a changed topic configuration: appends, rolls, retention and cleaning use it from now on;
    /// index sizes apply to segments created later.
    public func updateConfig(_ config: LogConfig) {
        currentConfig.withLock { $0 = config }
    }

    // MARK: offsets

    public var logEndOffset: Int64 { state.withLock { $0.logEndOffset } }
    public var logStartOffset: Int64 { state.withLock { $0.logStartOffset } }
    public var recoveryPoint: Int64 { state.withLock { $0.recoveryPoint } }
    /// Bytes in all segments (visible ones).
    public var size: Int64 { state.withLock { $0.segments.reduce(0) { $0 + $1.size } } }
    public var segmentCount: Int { state.withLock { $0.segments.count } }
    /// Base offsets of the segments, oldest first.
    public var segmentBaseOffsets: [Int64] { state.withLock { $0.segments.map(\.baseOffset) } }

    // MARK: append

    /// Appends `batches` (record batches v2 back to back, already validated by the caller) as leader:
    /// assigns offsets from the log end offset, writing the assigned `baseOffset` and
    /// `partitionLeaderEpoch` (both outside the CRC) into the headers on disk without copying or
    /// modifying `batches`; LogAppendTime batches also get `maxTimestamp = now` and a new CRC (in a copy).
    ///
    /// Idempotent batches are checked against the producer state first: a duplicate returns the original
    /// offsets with `isDuplicate` and writes nothing; a sequence gap throws `.outOfOrderSequence`, a stale
    /// epoch `.invalidProducerEpoch`. Returns once the bytes are written, and fdatasync'ed when `durable`
    /// and `durableAcks` are both on; throws `.storage` if the write failed, after which the log dir is
    /// offline. The writer keeps a reference to `batches` until the write completes.
    public func appendAsLeader(
        _ batches: ByteBuffer, leaderEpoch: Int32, now: Int64, durable: Bool = true
    ) async throws(LogError) -> AppendInfo {
        try await submitAppendAsLeader(batches, leaderEpoch: leaderEpoch, now: now, durable: durable).result()
    }

    /// `appendAsLeader` in two steps: validation, offset assignment and queueing happen before this
    /// returns (errors are thrown here); the returned `PendingAppend` waits for the write
    /// (`written()`) and for the answer (`result()`, after the fdatasync of a durable append).
    public func submitAppendAsLeader(
        _ batches: ByteBuffer, leaderEpoch: Int32, now: Int64, durable: Bool
    ) throws(LogError) -> PendingAppend {
        try submitAppend(batches, leaderEpoch: leaderEpoch, now: now, assignOffsets: true, durable: durable)
    }

    /// Appends batches replicated from a leader, keeping their offsets (they must start at or after the
    /// log end offset). Producer state is updated without sequence checks.
    public func appendAsFollower(_ batches: ByteBuffer, now: Int64) async throws(LogError) -> AppendInfo {
        try await submitAppend(batches, leaderEpoch: -1, now: now, assignOffsets: false, durable: true).result()
    }

    private func submitAppend(
        _ batches: ByteBuffer, leaderEpoch: Int32, now: Int64, assignOffsets: Bool, durable: Bool
    ) throws(LogError) -> PendingAppend {
        var wakeups = Wakeups()
        defer { wakeups.run() }
        return try state.withLock { state throws(LogError) in
            try prepareAppend(
                &state, batches, leaderEpoch: leaderEpoch, now: now, assignOffsets: assignOffsets,
                sync: durable && config.durableAcks, wakeups: &wakeups)
        }
    }

    /// Under the lock: validates, assigns offsets, rolls if needed, writes (`LogWriter.writeDirectly`) or
    /// queues the write. A duplicate gets an already completed result and writes nothing.
    private func prepareAppend(
        _ state: inout State, _ input: ByteBuffer, leaderEpoch: Int32, now: Int64, assignOffsets: Bool, sync: Bool,
        wakeups: inout Wakeups
    ) throws(LogError) -> PendingAppend {
        if let failure = state.failure { throw LogError(.logDirOffline, failure.detail) }
        if state.isDeleted { throw LogError(.notFound, "\(topic)-\(partition) was deleted") }
        if let reason = logDirectory.offlineDetail { throw LogError(.logDirOffline, "\(logDirectory.path): \(reason)") }

        // Walk the headers once: lengths, magic, producer checks.
        var headers: [(index: Int, header: RecordBatchHeader)] = []
        var index = input.readerIndex
        while index < input.writerIndex {
            let header: RecordBatchHeader
            do {
                header = try RecordBatchHeader(parsing: input, at: index)
            } catch {
                throw LogError(.corruptBatch, "batch at byte \(index - input.readerIndex): \(error)")
            }
            guard header.totalSize <= input.writerIndex - index, header.lastOffsetDelta >= 0 else {
                throw LogError(.corruptBatch, "batch at byte \(index - input.readerIndex) is truncated")
            }
            headers.append((index, header))
            index += header.totalSize
        }
        guard !headers.isEmpty else { throw LogError(.corruptBatch, "no record batch in the append") }

        if assignOffsets {
            var producers = state.producers
            for (position, (_, header)) in headers.enumerated() {
                switch producers.check(header) {
                case .append:
                    producers.update(header)
                case .duplicate(let firstOffset, let lastOffset):
                    guard headers.count == 1 else {
                        throw LogError(.outOfOrderSequence, "duplicate batch \(position) inside a multi-batch append")
                    }
                    return PendingAppend(completed: AppendCompletion(.success(AppendInfo(
                        firstOffset: firstOffset, lastOffset: lastOffset, logAppendTime: -1, maxTimestamp: -1,
                        offsetOfMaxTimestamp: -1, logStartOffset: state.logStartOffset,
                        recordCount: Int(header.recordCount), isDuplicate: true))))
                case .outOfOrderSequence(let detail):
                    throw LogError(.outOfOrderSequence, detail)
                case .invalidProducerEpoch(let detail):
                    throw LogError(.invalidProducerEpoch, detail)
                }
            }
        } else if headers[0].header.baseOffset < state.nextOffset {
            throw LogError(
                .offsetOutOfRange,
                "follower append at \(headers[0].header.baseOffset) is below the log end offset \(state.nextOffset)")
        }

        // Assign offsets and epochs, collect the append's metadata. A LogAppendTime batch gets a new
        // maxTimestamp and CRC in a copy of the input; every other byte is written from the caller's
        // buffer as it is (see `writeBuffers`).
        var rewritten: ByteBuffer?
        var nextOffset = state.nextOffset
        let logAppendTime = config.messageTimestampType == .logAppendTime
        var info = AppendInfo(
            firstOffset: -1, lastOffset: -1, logAppendTime: logAppendTime ? now : -1, maxTimestamp: -1,
            offsetOfMaxTimestamp: -1, logStartOffset: state.logStartOffset, recordCount: 0, isDuplicate: false)
        for slot in headers.indices {
            var header = headers[slot].header
            let at = headers[slot].index
            if assignOffsets {
                header.baseOffset = nextOffset
                header.partitionLeaderEpoch = leaderEpoch
                if logAppendTime || header.attributes.contains(.logAppendTime) {
                    header.attributes.insert(.logAppendTime)
                    header.maxTimestamp = now
                    var copy = rewritten ?? input
                    copy.setInteger(header.attributes.rawValue, at: at + RecordBatchHeader.Field.attributes)
                    copy.setInteger(now, at: at + RecordBatchHeader.Field.maxTimestamp)
                    RecordBatchHeader.sealCRC(in: &copy, at: at)
                    rewritten = copy
                    info.logAppendTime = now
                }
            }
            if info.firstOffset < 0 { info.firstOffset = header.baseOffset }
            info.lastOffset = header.lastOffset
            info.recordCount += Int(header.recordCount)
            if header.maxTimestamp > info.maxTimestamp {
                info.maxTimestamp = header.maxTimestamp
                info.offsetOfMaxTimestamp = header.lastOffset
            }
            headers[slot].header = header
            nextOffset = header.nextOffset
        }
        let byteCount = headers.last.map { $0.index + $0.header.totalSize - input.readerIndex } ?? 0
        guard byteCount <= config.segmentBytes else {
            throw LogError(.appendTooLarge, "append of \(byteCount) bytes exceeds segment.bytes \(config.segmentBytes)")
        }
        let buffers = try Self.writeBuffers(
            rewritten ?? input, headers, from: input.readerIndex, byteCount: byteCount, patchPrefixes: assignOffsets)

        if !state.active.isOpenForAppends { try state.active.reopenForAppends(config: config) }
        try maybeRoll(&state, incomingBytes: byteCount, lastOffset: info.lastOffset, now: now)
        let segment = state.active
        let position = segment.reservedSize
        for (at, header) in headers {
            segment.indexBatch(header, at: position + Int64(at - input.readerIndex), intervalBytes: config.indexIntervalBytes)
            state.producers.update(header)
        }
        segment.reservedSize += Int64(byteCount)
        state.nextOffset = nextOffset

        let id = state.nextID
        state.nextID += 1
        // A plain append is answered when written: one completion serves both moments.
        let written = AppendCompletion()
        let completion = PendingAppend(written: written, done: sync ? AppendCompletion() : written)
        state.pending.append(Pending(
            id: id, segment: segment, endPosition: segment.reservedSize, info: info, records: info.recordCount,
            sync: sync, completion: completion))
        let request = LogWriter.Request(
            file: segment.file, position: position, buffers: buffers, sync: sync,
            report: { [self] progress in writeProgressed(id: id, progress) })
        if let outcome = writer.writeDirectly(request) {
            recordProgress(&state, id: id, outcome, wakeups: &wakeups)
        } else {
            writer.enqueue(request)
        }
        return completion
    }

    /// The bytes of an append as the writer takes them. A follower's batches go as they came (one slice
    /// of `source`). A leader's go per batch as its first 16 bytes (baseOffset, batchLength,
    /// partitionLeaderEpoch: outside the CRC) from one small buffer holding the assigned values, then
    /// the rest of the batch as a slice of `source`: patching `source` in place instead would copy the
    /// whole append whenever the caller still holds a reference to its buffer (a request buffer shared
    /// with the network read, one batch produced twice).
    private static func writeBuffers(
        _ source: ByteBuffer, _ headers: [(index: Int, header: RecordBatchHeader)], from start: Int, byteCount: Int,
        patchPrefixes: Bool
    ) throws(LogError) -> [ByteBuffer] {
        guard patchPrefixes else {
            guard let all = source.getSlice(at: start, length: byteCount) else {
                throw LogError(.corruptBatch, "append of \(byteCount) bytes is truncated")
            }
            return [all]
        }
        let prefixBytes = RecordBatchHeader.Field.magic
        var prefixes = ByteBuffer()
        prefixes.reserveCapacity(prefixBytes * headers.count)
        var buffers: [ByteBuffer] = []
        buffers.reserveCapacity(2 * headers.count)
        for (at, header) in headers {
            let prefixStart = prefixes.writerIndex
            prefixes.writeInteger(header.baseOffset)
            prefixes.writeInteger(header.batchLength)
            prefixes.writeInteger(header.partitionLeaderEpoch)
            guard let prefix = prefixes.getSlice(at: prefixStart, length: prefixBytes),
                let rest = source.getSlice(at: at + prefixBytes, length: header.totalSize - prefixBytes)
            else {
                throw LogError(.corruptBatch, "batch at byte \(at - start) is truncated")
            }
            buffers.append(prefix)
            buffers.append(rest)
        }
        return buffers
    }

    /// Rolls the active segment when the append would overflow `segment.bytes`, the segment is older than
    /// `segment.ms`, an index is full, or relative offsets would overflow int32.
    private func maybeRoll(_ state: inout State, incomingBytes: Int, lastOffset: Int64, now: Int64) throws(LogError) {
        let active = state.active
        guard active.reservedSize > 0 else { return }
        let age = now - (active.rollingBasedTimestamp ?? now)
        let reasons = [
            active.reservedSize + Int64(incomingBytes) > Int64(config.segmentBytes),
            age > config.segmentRollInterval.milliseconds,
            active.isIndexFull,
            lastOffset - active.baseOffset > Int64(Int32.max),
        ]
        guard reasons.contains(true) else { return }
        // The new segment starts where the assigned offsets end (a follower's batch may start later): so
        // consecutive segments always meet, and recovery can treat a gap between them as a lost tail.
        try roll(&state, newBaseOffset: state.nextOffset)
    }

    private func roll(_ state: inout State, newBaseOffset: Int64) throws(LogError) {
        let old = state.active
        try old.closeForAppends()
        let segment = try LogSegment(
            directory: directory, baseOffset: newBaseOffset, indexBytes: config.segmentIndexBytes, create: true)
        state.segments.append(segment)
        // fsync on roll: the finished segment is flushed (through the ring) so recovery never rescans it.
        requestFlush(&state, files: [old.file], coversOffset: newBaseOffset)
        try FileSystem.writeAtomically(
            directory + "/" + ProducerStateManager.snapshotName(newBaseOffset), state.producers.snapshotBytes())
        pruneSnapshots(keepingAtOrBelow: Int64.max, keepNewest: 2)
        logger.debug("rolled segment", metadata: ["petrel_partition": "\(topic)-\(partition)", "petrel_offset": "\(newBaseOffset)"])
    }

    // MARK: write completion (I/O thread)

    /// The I/O thread's report on append `id`.
    private func writeProgressed(id: UInt64, _ progress: LogWriter.Progress) {
        var wakeups = Wakeups()
        state.withLock { state in recordProgress(&state, id: id, progress, wakeups: &wakeups) }
        wakeups.run()
    }

    /// Progress of append `id` (from the I/O thread, or from a direct write in `prepareAppend`). Writes
    /// complete in any order; the appends are completed (`written()`, log end offset, readers) in offset
    /// order as the written prefix grows, and answered (`result()`) through `writtenAppends`.
    private func recordProgress(_ state: inout State, id: UInt64, _ progress: LogWriter.Progress, wakeups: inout Wakeups) {
        let slot = state.pending.firstIndex(where: { $0.id == id })
        switch (progress, slot) {
        case (.written, let slot?):
            state.pending[slot].written = .success(())
        case (.failed(let error), let slot?):
            state.pending[slot].written = .failure(error)
        case (.synced, let slot?):
            state.pending[slot].synced = true
        case (.synced, nil):
            if let append = state.writtenAppends.first(where: { $0.id == id }), let end = append.durableEnd {
                advanceRecoveryPoint(&state, id: id, to: end)
            }
        case (.failed(let error), nil):
            // Written earlier, so its fdatasync failed (unless the log failed already).
            guard state.failure == nil else { return }
            syncFailed(&state, LogError(.storage, "fdatasync of \(topic)-\(partition) failed: \(error)"))
        case (.written, nil):
            return
        }
        var completed = 0
        while completed < state.pending.count, let outcome = state.pending[completed].written {
            let pending = state.pending[completed]
            if case .failure(let error) = outcome {
                failPendingWrites(&state, error: error, from: completed, wakeups: &wakeups)
                completed = state.pending.count
                break
            }
            pending.segment.size = max(pending.segment.size, pending.endPosition)
            state.logEndOffset = pending.info.lastOffset + 1
            state.unflushedRecords += pending.records
            if pending.synced { advanceRecoveryPoint(&state, id: pending.id, to: state.logEndOffset) }
            if pending.completion.done !== pending.completion.written {
                wakeups.appends.append((pending.completion.written, .success(pending.info)))
            }
            state.writtenAppends.append(
                (pending.id, pending.sync ? state.logEndOffset : nil, pending.completion.done, pending.info))
            completed += 1
        }
        state.pending.removeFirst(min(completed, state.pending.count))
        releaseWaiters(&state, wakeups: &wakeups)
    }

    /// An fdatasync failed: what it should have covered may be lost (Linux drops the dirty pages' error
    /// once reported), so the recovery point stops where it is, the appends still waiting to be answered
    /// and durability waiters fail, and the log dir goes offline. The written bytes stay: readers may
    /// already have seen them.
    private func syncFailed(_ state: inout State, _ failure: LogError) {
        logger.error("fdatasync failed; log dir goes offline", metadata: [
            "petrel_partition": "\(topic)-\(partition)", "petrel_error": "\(failure)",
        ])
        state.failure = failure
        state.deferredRecoveryPoints.removeAll()
        logDirectory.markOffline("\(failure)")
    }

    /// A write failed: it and every later append fail, the segment is cut back to the last completed
    /// write (so nothing acknowledged moves and nothing unacknowledged stays), the log dir goes offline.
    private func failPendingWrites(_ state: inout State, error: IOErrno, from first: Int, wakeups: inout Wakeups) {
        let failure = LogError(.storage, "write to \(topic)-\(partition) failed: \(error)")
        logger.error("log write failed; log dir goes offline", metadata: [
            "petrel_partition": "\(topic)-\(partition)", "petrel_errno": "\(error)",
        ])
        state.failure = failure
        releaseWrittenAppends(&state, wakeups: &wakeups)
        for pending in state.pending[first...] {
            wakeups.appends.append((pending.completion.written, .failure(failure)))
            wakeups.appends.append((pending.completion.done, .failure(failure)))
        }
        logDirectory.markOffline("\(failure)")
        let end = state.logEndOffset
        while state.segments.count > 1 && state.active.baseOffset > end {
            let dropped = state.segments.removeLast()
            dropped.deleteFiles()
        }
        do {
            for segment in state.segments where segment.reservedSize > segment.size {
                segment.offsetIndex.truncate(from: end)
                segment.timeIndex.truncate(from: end)
                try segment.file.truncate(to: segment.size)
                segment.reservedSize = segment.size
            }
            state.producers = try Self.rebuildProducerState(state: state, directory: directory)
        } catch {
            logger.error("could not cut back the failed tail", metadata: ["petrel_error": "\(error)"])
        }
        state.nextOffset = end
    }

    // MARK: durability

    /// Returns once every offset below `endOffset` is durable: fdatasync'ed when `durableAcks` is on
    /// (queueing a flush unless a durable append or a flush in flight already covers it), written to the
    /// page cache when it is off (Kafka's behaviour; the flush policy syncs later).
    /// Throws `.storage` if the log failed before getting there.
    public func waitUntilDurable(endOffset: Int64) async throws(LogError) {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, LogError>, Never>) in
            let ready: Result<Void, LogError>? = state.withLock { state in
                if durableOffset(state) >= endOffset { return .success(()) }
                if let failure = state.failure { return .failure(failure) }
                state.durableWaiters.append((endOffset, continuation))
                let covered =
                    state.pending.contains { $0.sync && $0.info.lastOffset >= endOffset - 1 }
                    || state.flushes.contains { $0.coversOffset >= endOffset }
                    || state.deferredRecoveryPoints.contains { $0.offset >= endOffset }
                if !covered { requestFlush(&state, files: filesAboveRecoveryPoint(state), coversOffset: state.nextOffset) }
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
        try result.get()
    }

    private func durableOffset(_ state: State) -> Int64 {
        config.durableAcks ? state.recoveryPoint : state.logEndOffset
    }

    /// Answers written appends in offset order, each durable one once the recovery point covers it; after
    /// a failure the ones still held fail too (their durability can no longer be promised).
    private func releaseWrittenAppends(_ state: inout State, wakeups: inout Wakeups) {
        var released = 0
        for append in state.writtenAppends {
            if let failure = state.failure {
                wakeups.appends.append((append.completion, .failure(failure)))
            } else if let durableEnd = append.durableEnd, durableEnd > state.recoveryPoint {
                break
            } else {
                wakeups.appends.append((append.completion, .success(append.info)))
            }
            released += 1
        }
        state.writtenAppends.removeFirst(released)
    }

    private func releaseWaiters(_ state: inout State, wakeups: inout Wakeups) {
        releaseWrittenAppends(&state, wakeups: &wakeups)
        let durable = durableOffset(state)
        let failure = state.failure
        state.durableWaiters.removeAll { waiter in
            if waiter.endOffset <= durable {
                wakeups.durable.append((waiter.continuation, .success(())))
                return true
            }
            if let failure {
                wakeups.durable.append((waiter.continuation, .failure(failure)))
                return true
            }
            return false
        }
        if state.pending.isEmpty && state.flushes.isEmpty {
            wakeups.idle += state.idleWaiters
            state.idleWaiters.removeAll()
        }
    }

    /// Moves `recoveryPoint` to `offset` once the fdatasync of request `id` (an append or a flush) is done.
    ///
    /// The writer guarantees that the fdatasync covered every earlier write to *its* file. Earlier writes
    /// to older segment files are covered by the flushes queued before it (every roll queues one for the
    /// rolled segment); with pipelined rounds those may still be in flight, so the advance waits until no
    /// flush with a smaller id is outstanding. Advances are thus applied in request order.
    private func advanceRecoveryPoint(_ state: inout State, id: UInt64, to offset: Int64) {
        guard state.failure == nil else { return }  // a failed write or fdatasync: nothing new is durable
        if state.flushes.contains(where: { $0.id < id }) {
            state.deferredRecoveryPoints.append((id, offset))
        } else {
            state.recoveryPoint = max(state.recoveryPoint, offset)
        }
    }

    /// Queues an fdatasync of `files` through the ring; `recoveryPoint` moves to `coversOffset` when done.
    private func requestFlush(_ state: inout State, files: [SegmentFileHandle], coversOffset: Int64) {
        let id = state.nextID
        state.nextID += 1
        state.flushes.append(Flush(id: id, coversOffset: coversOffset, remaining: files.count, failed: false))
        if coversOffset >= state.logEndOffset {  // every counted (written) record: the policy starts over
            state.unflushedRecords = 0
            state.firstUnflushedTime = nil
        }
        writer.enqueue(files.map { file in
            LogWriter.Request(file: file, position: 0, buffers: [], sync: true, report: { [self] progress in
                flushCompleted(id: id, result: progress)
            })
        })
    }

    /// A flush request reports `.synced` or `.failed` (never `.written`: it carries no bytes).
    private func flushCompleted(id: UInt64, result: LogWriter.Progress) {
        var wakeups = Wakeups()
        state.withLock { state in
            guard let slot = state.flushes.firstIndex(where: { $0.id == id }) else { return }
            state.flushes[slot].remaining -= 1
            if case .failed(let error) = result {
                state.flushes[slot].failed = true
                syncFailed(&state, LogError(.storage, "fdatasync of \(topic)-\(partition) failed: \(error)"))
            }
            guard state.flushes[slot].remaining == 0 else { return }
            let flush = state.flushes.remove(at: slot)
            if !flush.failed {
                advanceRecoveryPoint(&state, id: flush.id, to: min(flush.coversOffset, state.logEndOffset))
            }
            let earliestFlush = state.flushes.map(\.id).min() ?? UInt64.max
            state.deferredRecoveryPoints.removeAll { mark in
                guard mark.id < earliestFlush else { return false }
                state.recoveryPoint = max(state.recoveryPoint, mark.offset)
                return true
            }
            releaseWaiters(&state, wakeups: &wakeups)
        }
        wakeups.run()
    }

    /// Flushes everything written so far (all segments above the recovery point, every index) and waits
    /// for it.
    public func flush() async throws(LogError) {
        try state.withLock { state throws(LogError) in
            requestFlush(&state, files: try filesToFlush(state), coversOffset: state.nextOffset)
        }
        await waitUntilIdle()
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }

    /// The files of the segments that may hold bytes above the recovery point.
    private func filesAboveRecoveryPoint(_ state: State) -> [SegmentFileHandle] {
        state.segments.indices.filter { index in
            index + 1 == state.segments.count || state.segments[index + 1].baseOffset > state.recoveryPoint
        }.map { state.segments[$0].file }
    }

    /// What `flush()` syncs: the segments above the recovery point and the indexes of every segment (a
    /// rolled segment's indexes are trimmed but not synced at the roll).
    private func filesToFlush(_ state: State) throws(LogError) -> [SegmentFileHandle] {
        var files = filesAboveRecoveryPoint(state)
        for segment in state.segments { files += try segment.indexFilesForSync() }
        return files
    }

    /// Applies `flush.messages` / `flush.ms`: flushes when enough records or time have accumulated.
    /// The broker calls it every `log.flush.scheduler.interval.ms` (via `LogManager.flushDirtyLogs`).
    func flushIfDue(now: Int64) {
        state.withLock { state in
            guard state.recoveryPoint < state.logEndOffset, state.failure == nil else { return }
            if state.firstUnflushedTime == nil { state.firstUnflushedTime = now }
            let byCount = config.flushMessages.map { state.unflushedRecords >= $0 } ?? false
            let byTime = config.flushInterval.map { now - (state.firstUnflushedTime ?? now) >= $0.milliseconds } ?? false
            guard byCount || byTime else { return }
            requestFlush(&state, files: state.segments.suffix(2).map(\.file), coversOffset: state.logEndOffset)
        }
    }

    /// Waits until no write or flush of this partition is in flight.
    func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                if state.pending.isEmpty && state.flushes.isEmpty { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    // MARK: read

    /// Whole batches starting with the one that contains `offset`, up to `maxBytes` (the first batch is
    /// returned even when larger if `minOneBatch`), only batches whose lastOffset < `maxOffset` (the high
    /// watermark, exclusive) when given, never past the log end offset. Reads one segment per call.
    /// Throws `.offsetOutOfRange` below the log start offset or beyond the log end offset.
    public func read(from offset: Int64, maxBytes: Int, maxOffset: Int64? = nil, minOneBatch: Bool) throws(LogError) -> LogReadResult {
        try state.withLock { state throws(LogError) -> LogReadResult in
            guard offset >= state.logStartOffset, offset <= state.logEndOffset else {
                throw LogError(
                    .offsetOutOfRange,
                    "offset \(offset) outside [\(state.logStartOffset), \(state.logEndOffset)] of \(topic)-\(partition)")
            }
            var result = LogReadResult(
                slices: [], firstBatchBaseOffset: nil, nextOffset: offset, logStartOffset: state.logStartOffset,
                logEndOffset: state.logEndOffset)
            let limitOffset = min(maxOffset ?? Int64.max, state.logEndOffset)
            guard offset < limitOffset,
                var segmentIndex = state.segments.lastIndex(where: { $0.baseOffset <= offset })
            else { return result }
            while segmentIndex < state.segments.count {
                let segment = state.segments[segmentIndex]
                var scanner = segment.scanner(limit: segment.size)
                var (position, header) = try segment.translate(offset, using: &scanner)
                let start = position
                var length = 0
                while let current = header, current.lastOffset < limitOffset {
                    let fits = length + current.totalSize <= maxBytes || (length == 0 && minOneBatch)
                    guard fits else { break }
                    if result.firstBatchBaseOffset == nil { result.firstBatchBaseOffset = current.baseOffset }
                    length += current.totalSize
                    result.nextOffset = current.nextOffset
                    position += Int64(current.totalSize)
                    header = try scanner.header(at: position)
                }
                if length > 0 {
                    result.slices = [FileSlice(file: segment.file, position: start, length: length)]
                    return result
                }
                if header != nil { return result }  // the first batch did not fit or is past maxOffset
                segmentIndex += 1  // offset lies past this segment's data: try the next one
            }
            return result
        }
    }

    /// Like `read`, but copies the bytes into a buffer: for internal readers (replication tests,
    /// coordinators loading their state, tools).
    public func readBuffer(from offset: Int64, maxBytes: Int, maxOffset: Int64? = nil, minOneBatch: Bool) throws(LogError) -> ByteBuffer {
        try read(from: offset, maxBytes: maxBytes, maxOffset: maxOffset, minOneBatch: minOneBatch).bytes()
    }

    // MARK: ListOffsets

    /// ListOffsets by timestamp, as Kafka answers it: the first record (at or above the log start offset)
    /// whose timestamp is >= `timestamp`, as (its offset, its timestamp); nil when every record is older.
    /// The batch is found under the lock through the time index; its records are read and decompressed
    /// (at most `maxDecompressedBytes`) outside it.
    public func offsetForTimestamp(
        _ timestamp: Int64, maxDecompressedBytes: Int
    ) throws(LogError) -> (offset: Int64, timestamp: Int64)? {
        let candidate = try state.withLock { state throws(LogError) -> (SegmentFileHandle, Int64, RecordBatchHeader, Int64)? in
            for segment in state.segments where segment.maxTimestamp >= timestamp && segment.size > 0 {
                let startOffset = segment.timeIndex.lookupBefore(timestamp).map { $0 + 1 } ?? segment.baseOffset
                var scanner = segment.scanner(limit: segment.size)
                var (position, header) = try segment.translate(startOffset, using: &scanner)
                while let current = header {
                    if current.maxTimestamp >= timestamp && current.lastOffset >= state.logStartOffset {
                        return (segment.file, position, current, state.logStartOffset)
                    }
                    position += Int64(current.totalSize)
                    header = try scanner.header(at: position)
                }
            }
            return nil
        }
        guard let (file, position, header, logStartOffset) = candidate else { return nil }
        let bytes = try file.read(at: position, count: header.totalSize)
        do {
            let batch = try RecordBatch(bytes)
            var records = try batch.records(maxDecompressedBytes: maxDecompressedBytes)
            while let record = try records.next() {
                let offset = batch.offset(of: record)
                if offset >= logStartOffset && batch.timestamp(of: record) >= timestamp {
                    return (offset, batch.timestamp(of: record))
                }
            }
        } catch {
            throw LogError(.corruptBatch, "batch at offset \(header.baseOffset) of \(topic)-\(partition): \(error)")
        }
        // Only a control batch, or records compacted away meanwhile: answer at batch granularity.
        return (max(header.baseOffset, logStartOffset), header.maxTimestamp)
    }

    /// ListOffsets -3 (MAX_TIMESTAMP): the largest batch maxTimestamp and the last offset of its batch;
    /// nil for an empty log.
    public var maxTimestampAndOffset: (timestamp: Int64, offset: Int64)? {
        state.withLock { state in
            let best = state.segments.max { $0.maxTimestamp < $1.maxTimestamp }
            guard let best, best.maxTimestamp >= 0, best.offsetOfMaxTimestamp >= state.logStartOffset else { return nil }
            return (best.maxTimestamp, best.offsetOfMaxTimestamp)
        }
    }

    // MARK: producer state

    /// Read-only idempotence check of `header` against the current producer state (the authoritative
    /// check-and-update happens atomically inside `appendAsLeader`; this lets the broker answer early).
    public func checkProducer(_ header: RecordBatchHeader) -> ProducerCheck {
        state.withLock { $0.producers.check(header) }
    }

    /// Producer epoch and last sequence known for `producerId`.
    public func producerState(_ producerId: Int64) -> (producerEpoch: Int16, lastSequence: Int32, lastOffset: Int64)? {
        state.withLock { state in
            state.producers.entry(producerId).flatMap { entry in
                entry.batches.last.map { (entry.producerEpoch, $0.lastSequence, $0.lastOffset) }
            }
        }
    }

    /// The idempotent producers this partition keeps state for (DescribeProducers), by producer id.
    public var activeProducers: [ActiveProducer] {
        state.withLock { state in
            state.producers.producers.compactMap { producerId, entry in
                entry.batches.last.map { last in
                    ActiveProducer(
                        producerId: producerId, producerEpoch: entry.producerEpoch, lastSequence: last.lastSequence,
                        lastTimestamp: last.timestamp)
                }
            }.sorted { $0.producerId < $1.producerId }
        }
    }

    /// Newest usable snapshot at or below the log end offset, then a header replay of the segments holding
    /// offsets above it. `names`: the folder listing when the caller has one.
    private static func rebuildProducerState(
        state: State, directory: String, names listed: [String]? = nil
    ) throws(LogError) -> ProducerStateManager {
        let names = listed ?? (try? FileSystem.list(directory)) ?? []
        let snapshots = names.compactMap { name -> Int64? in
            name.hasSuffix(".snapshot") && name.count == 29 ? Int64(name.prefix(20)) : nil
        }.sorted()
        for offset in snapshots where offset > state.logEndOffset {
            FileSystem.remove(directory + "/" + ProducerStateManager.snapshotName(offset))
        }
        var producers = ProducerStateManager()
        var replayFrom = state.logStartOffset
        for offset in snapshots.reversed() where offset <= state.logEndOffset {
            if let bytes = FileSystem.readAll(directory + "/" + ProducerStateManager.snapshotName(offset)),
                let loaded = ProducerStateManager.load(snapshot: bytes)
            {
                producers = loaded
                replayFrom = max(offset, state.logStartOffset)
                break
            }
        }
        for (index, segment) in state.segments.enumerated() {
            let segmentEnd = segment.size
            let endOffset = index + 1 < state.segments.count ? state.segments[index + 1].baseOffset : state.logEndOffset
            guard segmentEnd > 0, endOffset > replayFrom else { continue }  // nothing to replay in it
            var scanner = segment.scanner(limit: segmentEnd)
            var (position, header) = try segment.translate(replayFrom, using: &scanner)
            while let current = header {
                if current.baseOffset >= replayFrom { producers.update(current) }
                position += Int64(current.totalSize)
                header = try scanner.header(at: position)
            }
        }
        return producers
    }

    private func pruneSnapshots(keepingAtOrBelow limit: Int64, keepNewest count: Int) {
        let names = (try? FileSystem.list(directory)) ?? []
        let snapshots = names.filter { $0.hasSuffix(".snapshot") }.sorted()
        for name in snapshots.dropLast(count) { FileSystem.remove(directory + "/" + name) }
        for name in snapshots where (Int64(name.prefix(20)) ?? 0) > limit { FileSystem.remove(directory + "/" + name) }
    }
    // MARK: truncation, deletion, retention

    /// Removes every offset >= `offset` (followers truncating to the leader; the batch containing
    /// `offset` goes whole). Waits for in-flight writes first.
    public func truncate(to offset: Int64) async throws(LogError) {
        await waitUntilIdle()
        try state.withLock { state throws(LogError) in
            guard offset < state.logEndOffset else { return }
            state.truncationCount += 1
            if offset <= state.segments[0].baseOffset {
                // Everything goes: start over with one empty segment at `offset`.
                for segment in state.segments { segment.deleteFiles() }
                let fresh = try LogSegment(
                    directory: directory, baseOffset: max(offset, 0), indexBytes: config.segmentIndexBytes, create: true)
                state.segments = [fresh]
                state.logEndOffset = fresh.baseOffset
                state.logStartOffset = fresh.baseOffset
            } else {
                while state.segments.count > 1 && state.active.baseOffset >= offset {
                    state.segments.removeLast().deleteFiles()
                }
                let active = state.active
                try active.reopenForAppends(config: config)
                try active.truncate(from: offset)
                var position: Int64 = 0
                var end = active.baseOffset
                var scanner = active.scanner(limit: active.size)
                while let header = try scanner.header(at: position) {
                    end = header.nextOffset
                    position += Int64(header.totalSize)
                }
                state.logEndOffset = end
            }
            state.nextOffset = state.logEndOffset
            state.logStartOffset = min(state.logStartOffset, state.logEndOffset)
            // Offsets written again above the new end are dirty: the clean section must keep unique keys,
            // or an expiring tombstone there would bring back the value it deleted.
            state.firstDirtyOffset = min(state.firstDirtyOffset, state.logEndOffset)
            state.recoveryPoint = min(state.recoveryPoint, state.logEndOffset)
            state.producers = try Self.rebuildProducerState(state: state, directory: directory)
        }
    }

    /// DeleteRecords: moves `logStartOffset` up to `offset` (clamped to the log end offset; the broker
    /// clamps to the high watermark) and deletes whole segments that end at or below it. Returns the new
    /// log start offset.
    @discardableResult
    public func deleteRecords(before offset: Int64) throws(LogError) -> Int64 {
        state.withLock { state in
            let target = min(offset, state.logEndOffset)
            if target > state.logStartOffset { state.logStartOffset = target }
            while state.segments.count > 1 && state.segments[1].baseOffset <= state.logStartOffset {
                state.segments.removeFirst().deleteFiles()
            }
            return state.logStartOffset
        }
    }

    /// Deletes old segments per `retention.ms` (segment's largest timestamp older than now - retention)
    /// and `retention.bytes` (oldest segments while the log stays at or above the limit without them).
    /// Whole segments only; the active segment is never deleted; nothing without `.delete` in
    /// `cleanup.policy`. Returns how many were deleted.
    @discardableResult
    public func enforceRetention(now: Int64) -> Int {
        guard config.cleanupPolicy.contains(.delete) else { return 0 }
        return state.withLock { state in
            var deleted = 0
            var total = state.segments.reduce(Int64(0)) { $0 + $1.size }
            while state.segments.count > 1 {
                let oldest = state.segments[0]
                let expired = config.retention.map { oldest.maxTimestamp >= 0 && now - oldest.maxTimestamp > $0.milliseconds } ?? false
                let oversized = config.retentionBytes.map { total - oldest.size >= Int64($0) } ?? false
                guard expired || oversized else { break }
                state.segments.removeFirst()
                oldest.deleteFiles()
                total -= oldest.size
                deleted += 1
                state.logStartOffset = max(state.logStartOffset, state.segments[0].baseOffset)
            }
            return deleted
        }
    }

    // MARK: shutdown

    /// Clean close: refuses appends, waits for writes in flight, trims the active indexes, writes a
    /// producer snapshot at the log end offset, then syncs data, indexes and snapshot in one flush through
    /// the ring (logs closed together share its rounds) before renaming the snapshot into place. The
    /// log is unusable afterwards.
    func close() async throws(LogError) {
        markDeleted()
        await waitUntilIdle()
        let snapshotPath = try state.withLock { state throws(LogError) -> String in
            try state.active.closeForAppends()  // before the sync, so it covers the trimmed sizes
            let path = directory + "/" + ProducerStateManager.snapshotName(state.logEndOffset)
            let snapshot = try FileSystem.writeTemporary(path, state.producers.snapshotBytes())
            requestFlush(&state, files: try filesToFlush(state) + [snapshot], coversOffset: state.nextOffset)
            return path
        }
        await waitUntilIdle()
        if let failure = state.withLock({ $0.failure }) { throw failure }
        try FileSystem.commitTemporary(snapshotPath)
        pruneSnapshots(keepingAtOrBelow: Int64.max, keepNewest: 2)
    }

    /// Marks the log deleted (appends fail with `.notFound`); the files are removed by the LogManager.
    func markDeleted() {
        state.withLock { $0.isDeleted = true }
    }
}

extension Duration {
    /// Whole milliseconds, the unit of Kafka timestamps.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
