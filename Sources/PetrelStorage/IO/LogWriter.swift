import Glibc
import Logging
import NIOCore

/// What the I/O thread needs from a ring: `URing`, or a test double that completes writes in any order.
protocol WriteRing: AnyObject {
    var engine: IOEngine { get }
    /// Readable while completions wait to be reaped (the thread polls it beside its wake-up fd).
    var eventFD: CInt { get }
    var inFlight: Int { get }
    func submit(_ writes: [RingWrite]) throws(IOErrno)
    func reap(timeoutMilliseconds: Int32) throws(IOErrno) -> [RingCompletion]
}

extension URing: WriteRing {}

/// The storage I/O thread: the one owner of the ring.
///
/// Appenders of any partition, on any thread, `enqueue` writes; the thread takes everything queued
/// so far as one round, merges the contiguous writes of each segment file into one vectored write and
/// submits the round with one `submit`, except for the small writes it does itself (`inlineWrites`).
/// Rounds are pipelined: up to `maxRoundsInFlight` are in the kernel at once, and completions are
/// handed out as they arrive.
///
/// Durability rule (what `PartitionLog` relies on): a request with `sync` reports `.synced` only after
/// an fdatasync of its file that started after every write to that file enqueued before it (its own
/// included) had completed. Unlinked ring operations may run in any order, so the thread keeps, per
/// file, the writes in flight and the requests waiting for a sync: a write goes out alone and reports
/// `.written` when it completes (the high watermark may follow it without waiting for the disk), then
/// one pure fdatasync is issued once every earlier write of the file has completed, covering every
/// request then waiting (group commit). A file has at most one fdatasync in flight. Writes are never
/// linked to their fdatasync: the write's completion must be reported on its own, and the shim reports
/// a linked pair once.
///
/// Direct writes (`writeDirectly`): when the thread has no write queued or in flight and direct writes
/// stay under 256 MB/s, a small write is done on the caller's thread instead, and its fdatasync
/// (if it asked for one) is queued as a pure flush. At low load a queued write costs four thread
/// wake-ups (this thread, an io-wq worker, this thread again, the caller's event loop), more than the
/// write itself; under load writes keep going through the ring in rounds. A pure flush queued while an
/// fdatasync is in flight or due wakes nobody: the thread takes the queue when that fdatasync completes
/// or starts.
///
/// Sync interval (`syncInterval`): once a sync round (the fdatasyncs the thread starts together, one
/// per file ready) covered several requests, the next round starts when the interval has passed since
/// it or when no request with `sync` has arrived for `syncQuietPeriod`, whichever comes first. Clients
/// that keep sending whatever their acks (a producer at a fixed rate) share fewer fdatasyncs; clients
/// that wait for their acks (a few requests in flight each) stop sending once their requests are
/// queued, so their round starts after the quiet period instead of the interval. A round that covered
/// a single request does not hold the next one back at all: a lone client waiting for each append
/// would only be slowed down, with no one to share the flush with. Every fdatasync is a
/// cache flush (with, on ext4, an inode write) whose cost falls on the disk and, in a VM, on the host:
/// on the 2-vCPU development VM, ~1,000 flushes a second made the host stall the whole guest for
/// 10-16 ms every 100 ms, at 100 a second it did not (PerfTests/RESULTS.md).
final class LogWriter: Sendable {
    struct Request: Sendable {
        var file: SegmentFileHandle
        var position: Int64
        /// The bytes to write at `position`, in order (an append hands its batches over as several
        /// buffers so patched headers need no copy of the records); empty: a pure flush (fdatasync).
        var buffers: [ByteBuffer]
        var sync: Bool
        /// Called on the I/O thread as the request progresses (see `Progress`).
        var report: @Sendable (Progress) -> Void
    }

    /// What the I/O thread reports about a request, in this order: a write reports `.written` (or
    /// `.failed`), then, with `sync`, `.synced` (or `.failed`); a pure flush reports `.synced` or
    /// `.failed`. `.failed` is always the last report.
    enum Progress: Sendable, Equatable {
        case written
        case synced
        case failed(IOErrno)
    }

    private struct Queue {
        var requests: [Request] = []
        var stopping = false
        /// The thread is blocked and wants a wake-up on the next enqueue.
        var sleeping = false
        /// The thread is blocked with no write in flight: a write done now by another thread completes
        /// before any write or fdatasync the thread issues next.
        var noWritesInFlight = false
        /// The thread is blocked with an fdatasync in flight or due (`syncInterval`), so it wakes (and
        /// takes the queue) without being signalled.
        var syncPending = false
        /// CLOCK_MONOTONIC nanoseconds of the last request with `sync` queued (`syncQuietPeriod`).
        var lastSyncArrival: UInt64 = 0

        /// Queues `requests`; returns whether the thread must be signalled.
        mutating func append(_ requests: [Request]) -> Bool {
            self.requests.append(contentsOf: requests)
            if requests.contains(where: \.sync) { lastSyncArrival = monotonicNanoseconds() }
            let onlyFlushes = requests.allSatisfy { $0.buffers.isEmpty }
            guard sleeping, !(onlyFlushes && syncPending) else { return false }
            sleeping = false
            return true
        }

        /// Bytes written directly since `directWindowStart` (CLOCK_MONOTONIC nanoseconds).
        var directWindowStart: UInt64 = 0
        var directWindowBytes = 0

        /// A direct write is ordered correctly: the thread waits with no write in flight or queued.
        var acceptsDirectWrites: Bool { noWritesInFlight && !stopping && requests.allSatisfy { $0.buffers.isEmpty } }
    }

    /// How long without a new request with `sync` ends a sync interval early (see the type's comment):
    /// longer than the gaps between the requests of a client that keeps sending, and short beside an
    /// fdatasync plus a round trip for a client that waits for its acks. The thread's poll has a
    /// millisecond timeout, so the wait is 2-3 ms. (A producer at 10,000 records/s through librdkafka
    /// pauses for 1-2 ms often enough to add a fifth to the rounds of a 10 ms interval at 1 ms.)
    static let defaultSyncQuietPeriod = Duration.milliseconds(2)

    /// Rounds submitted but not completed, at most; more requests wait in the queue and join a later round.
    static let maxRoundsInFlight = 4
    /// Largest write `writeDirectly` does on the caller's thread; larger ones are worth the hand-off.
    static let directWriteBytesMax = 64 * 1024
    /// Direct writes take at most this many bytes per millisecond (256 MB/s): beyond that the copy into
    /// the page cache is worth running on another core (io-wq) while the appender goes on. Without the
    /// cap an appender that writes back to back never sees the thread busy and copies everything itself.
    static let directWriteBytesPerMillisecond = 256 * 1024

    let engine: IOEngine
    /// `writeDirectly` may write on the caller's thread (off for test rings that script every completion).
    private let directWrites: Bool
    private let queue = Locked(Queue())
    private let counters = Locked(IOStatistics())
    /// Pipe the thread polls while it waits for work ([read, write]).
    private let wake: [CInt]
    /// Pipe the thread writes to when it has drained everything after `shutdown` ([read, write]).
    private let finished: [CInt]

    convenience init(
        engine requested: IOEngine, logger: Logger, syncInterval: Duration = .zero, simulateUnavailable: Bool = false
    ) throws(IOErrno) {
        let ring = try URing(entries: 1024, engine: requested, logger: logger, simulateUnavailable: simulateUnavailable)
        try self.init(ring: ring, logger: logger, directWrites: true, inlineWrites: true, syncInterval: syncInterval)
    }

    /// Starts the thread on `ring`, which from then on belongs to that thread alone. `inlineWrites`: the
    /// thread does part of each round's small writes itself with pwritev (see `WriterThread`); off for
    /// test rings that script every completion. `syncInterval`, `syncQuietPeriod`: see the type's
    /// comment (a zero interval: a file's fdatasync starts as soon as its previous one completed).
    init(
        ring: any WriteRing, logger: Logger, directWrites: Bool = false, inlineWrites: Bool = false,
        syncInterval: Duration = .zero, syncQuietPeriod: Duration = LogWriter.defaultSyncQuietPeriod
    ) throws(IOErrno) {
        nonisolated(unsafe) let ring = ring
        engine = ring.engine
        self.directWrites = directWrites
        var fds: [CInt] = [-1, -1, -1, -1]
        guard pipe(&fds) == 0 else { throw IOErrno(errno) }
        let second = fds.withUnsafeMutableBufferPointer { pipe($0.baseAddress! + 2) }
        guard second == 0 else {
            let error = IOErrno(errno)
            close(fds[0])
            close(fds[1])
            throw error
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // Neither side of the wake pipe blocks: a full pipe already means "wake up".
        for fd in fds[0...1] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        wake = [fds[0], fds[1]]
        finished = [fds[2], fds[3]]
        let logger = logger
        startThread { [self] in
            var thread = WriterThread(
                ring: ring, logger: logger, inlineWrites: inlineWrites, syncInterval: nanoseconds(syncInterval),
                syncQuietPeriod: nanoseconds(syncQuietPeriod))
            run(&thread)
        }
    }

    deinit {
        (wake + finished).forEach { close($0) }
    }

    var statistics: IOStatistics { counters.withLock { $0 } }

    /// `writeDirectly` would write now.
    var acceptsDirectWrites: Bool { queue.withLock { $0.acceptsDirectWrites } }

    func enqueue(_ request: Request) {
        enqueue([request])
    }

    func enqueue(_ requests: [Request]) {
        let (accepted, wakeThread) = queue.withLock { queue -> (Bool, Bool) in
            guard !queue.stopping else { return (false, false) }
            return (true, queue.append(requests))
        }
        guard accepted else {
            for request in requests { request.report(.failed(IOErrno(ESHUTDOWN))) }
            return
        }
        if wakeThread { signal(wake[1]) }
    }

    /// Writes `request` on the calling thread when the I/O thread accepts direct writes (see the type's
    /// comment), `directWriteBytesPerMillisecond` is not used up, and the write is at most
    /// `directWriteBytesMax` bytes; returns its outcome (`.written` or
    /// `.failed`), which the caller reports itself, and with `sync` queues its fdatasync as a pure flush
    /// (reported through `report` as usual). Returns nil when the request must be enqueued instead. The
    /// write happens under the queue lock, so every request enqueued after it is ordered after it.
    func writeDirectly(_ request: Request) -> Progress? {
        let size = request.buffers.reduce(0) { $0 + $1.readableBytes }
        guard directWrites, size > 0, size <= Self.directWriteBytesMax else { return nil }
        let now = monotonicNanoseconds()
        let (outcome, wakeThread) = queue.withLock { queue -> (Progress?, Bool) in
            guard queue.acceptsDirectWrites else { return (nil, false) }
            if now >= queue.directWindowStart + 1_000_000 {
                queue.directWindowStart = now
                queue.directWindowBytes = 0
            }
            guard queue.directWindowBytes + size <= Self.directWriteBytesPerMillisecond else { return (nil, false) }
            do throws(IOErrno) {
                try request.file.write(request.buffers, at: request.position)
            } catch {
                return (.failed(error), false)
            }
            queue.directWindowBytes += size
            guard request.sync else { return (.written, false) }
            let flush = Request(file: request.file, position: 0, buffers: [], sync: true, report: request.report)
            return (.written, queue.append([flush]))
        }
        if wakeThread { signal(wake[1]) }
        if outcome != nil { counters.withLock { $0.directWrites += 1 } }
        return outcome
    }

    /// Finishes the queued writes and stops the thread. Further enqueues fail with ESHUTDOWN.
    func shutdown() {
        let wasRunning = queue.withLock { queue -> Bool in
            let running = !queue.stopping
            queue.stopping = true
            return running
        }
        guard wasRunning else { return }
        signal(wake[1])
        var byte: UInt8 = 0
        while read(finished[0], &byte, 1) < 0 && errno == EINTR {}
    }

    private func signal(_ fd: CInt) {
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
    }

    private func run(_ thread: inout WriterThread) {
        while true {
            let room = thread.roundsInFlight < Self.maxRoundsInFlight
            let (round, stopping) = queue.withLock { queue -> ([Request], Bool) in
                queue.sleeping = false
                queue.noWritesInFlight = false
                queue.syncPending = false
                thread.lastSyncArrival = queue.lastSyncArrival
                guard room else { return ([], queue.stopping) }
                let taken = queue.requests
                queue.requests.removeAll(keepingCapacity: true)
                return (taken, queue.stopping)
            }
            if !round.isEmpty {
                let writes = thread.submitRound(round)
                counters.withLock { counters in
                    counters.rounds += 1
                    counters.requests += round.count
                    counters.fileWrites += writes
                }
            }
            let syncs = thread.reapAvailable()
            if syncs > 0 { counters.withLock { $0.fdatasyncs += syncs } }
            if !round.isEmpty || syncs > 0 || thread.reapedAny { continue }
            if stopping && thread.isIdle && queue.withLock({ $0.requests.isEmpty }) { break }
            // Nothing to do until a completion arrives or (when there is room) a request is queued.
            let block = queue.withLock { queue -> Bool in
                if room && !queue.requests.isEmpty { return false }
                queue.sleeping = room
                queue.noWritesInFlight = thread.ringWritesInFlight == 0
                queue.syncPending = thread.fdatasyncsInFlight > 0 || thread.syncDue != nil
                return true
            }
            guard block else { continue }
            var fds = [pollfd(fd: thread.ring.eventFD, events: Int16(POLLIN), revents: 0)]
            if room || thread.isIdle { fds.append(pollfd(fd: wake[0], events: Int16(POLLIN), revents: 0)) }
            // An fdatasync held back by the sync interval is due at `syncDue`.
            var timeout: Int32 = -1
            if let due = thread.syncDue {
                let now = monotonicNanoseconds()
                timeout = due > now ? Int32(clamping: (due - now + 999_999) / 1_000_000) : 0
            }
            _ = poll(&fds, nfds_t(fds.count), timeout)
            var drain = [UInt8](repeating: 0, count: 64)
            _ = read(wake[0], &drain, drain.count)
        }
        signal(finished[1])
    }
}

/// The I/O thread's own state: the ring and, per segment file, what is in flight.
private struct WriterThread {
    /// The requests of one ring operation (one file, one round) and how they complete.
    struct Operation {
        var file: SegmentFileHandle
        var requests: [LogWriter.Request]
        /// Sequence number of the write among its file's writes; nil for a pure fdatasync.
        var writeSequence: UInt64?
        var round: UInt64?
    }

    /// One segment file with work in flight.
    struct FileState {
        var file: SegmentFileHandle
        var nextWriteSequence: UInt64 = 0
        /// Writes submitted and not completed.
        var writesInFlight: Set<UInt64> = []
        var syncInFlight = false
        /// Requests whose write completed (or that are pure flushes) waiting for an fdatasync that starts
        /// after every write up to `barrier` (exclusive) completed.
        var waiting: [(barrier: UInt64, request: LogWriter.Request)] = []

        var isIdle: Bool { writesInFlight.isEmpty && !syncInFlight && waiting.isEmpty }

        /// Numbers the next write of the file and counts it in flight.
        mutating func beginWrite() -> UInt64 {
            let sequence = nextWriteSequence
            nextWriteSequence += 1
            writesInFlight.insert(sequence)
            return sequence
        }
    }

    let ring: any WriteRing
    let logger: Logger
    var files: [CInt: FileState] = [:]
    var operations: [UInt64: Operation] = [:]
    var nextOperationID: UInt64 = 0
    var nextRound: UInt64 = 0
    /// Operations still in flight per submitted round.
    var roundRemaining: [UInt64: Int] = [:]
    var roundsInFlight: Int { roundRemaining.count }
    /// The last `reapAvailable` handed out at least one completion.
    var reapedAny = false
    /// Operations in `operations`, by kind.
    var ringWritesInFlight = 0
    var fdatasyncsInFlight = 0
    /// Nanoseconds between the starts of two sync rounds (`LogWriter`'s `syncInterval`); 0: no spacing.
    let syncInterval: UInt64
    var lastSyncRound: UInt64 = 0
    /// `LogWriter.defaultSyncQuietPeriod` unless a test sets another, in nanoseconds.
    let syncQuietPeriod: UInt64
    /// Requests the last sync round covered: the interval applies only after a round of several.
    var lastSyncRoundRequests = 0
    /// The queue's `lastSyncArrival` when the thread last took the queue.
    var lastSyncArrival: UInt64 = 0
    /// When fdatasyncs are ready but held back by the interval: when they may start.
    var syncDue: UInt64?

    /// Writes of at most `directWriteBytesMax` are done on this thread with pwritev instead of through
    /// the ring: every other one of a round, or the only one. ext4 cannot take a buffered write without
    /// blocking, so io_uring hands every write to an io-wq worker: a thread hop and a wake-up per write,
    /// more than copying a few pages. Sharing a round of many small writes with io-wq keeps two cores
    /// copying (StorageBench, 1000 partitions of 16 KiB writes, on 2 cores: all through the ring
    /// 0.49-0.57x of dd, all on this thread 0.43-0.68x, shared 0.65-0.74x). A larger write's copy is worth running on another core, as for direct writes.
    /// fdatasyncs, which do block, always go through the ring and overlap the next rounds' writes.
    let inlineWrites: Bool

    init(ring: any WriteRing, logger: Logger, inlineWrites: Bool, syncInterval: UInt64, syncQuietPeriod: UInt64) {
        self.ring = ring
        self.logger = logger
        self.inlineWrites = inlineWrites
        self.syncInterval = syncInterval
        self.syncQuietPeriod = syncQuietPeriod
    }

    var isIdle: Bool { operations.isEmpty && files.isEmpty }

    /// Builds and submits one round; returns how many vectored writes it carried.
    mutating func submitRound(_ requests: [LogWriter.Request]) -> Int {
        // Group contiguous writes per file, keeping each file's requests in queue order. A pure flush
        // joins the file's current group; a write that does not continue it starts a new one.
        struct Group {
            var file: SegmentFileHandle
            var position: Int64
            var end: Int64
            var buffers: [ByteBuffer] = []
            var requests: [LogWriter.Request] = []
        }
        var groups: [Group] = []
        var current: [CInt: Int] = [:]
        for request in requests {
            let fd = request.file.fd
            var index = current[fd] ?? groups.count
            if !request.buffers.isEmpty, index < groups.count, !groups[index].buffers.isEmpty,
                groups[index].end != request.position
            {
                index = groups.count
            }
            if index == groups.count {
                groups.append(Group(file: request.file, position: request.position, end: request.position))
                current[fd] = index
            }
            if !request.buffers.isEmpty {
                if groups[index].buffers.isEmpty {
                    groups[index].position = request.position
                    groups[index].end = request.position
                }
                groups[index].buffers.append(contentsOf: request.buffers)
                for buffer in request.buffers { groups[index].end += Int64(buffer.readableBytes) }
            }
            groups[index].requests.append(request)
        }

        let round = nextRound
        nextRound += 1
        var writes: [RingWrite] = []
        // Small writes alternate between this thread and the ring, so a round of many copies two cores;
        // the ring's are submitted first and run on io-wq while this thread does its share.
        var inline: [(id: UInt64, group: Group)] = []
        var smallThroughRing = 0
        for group in groups {
            let fd = group.file.fd
            // Mutated in place (`default:` subscript): a copy taken out of the dictionary would make
            // every change copy the file's set and array while the dictionary still holds them.
            guard !group.buffers.isEmpty else {
                // Pure flushes: they wait for the file's writes in flight, then share the next fdatasync.
                let barrier = files[fd, default: FileState(file: group.file)].nextWriteSequence
                for request in group.requests { files[fd, default: FileState(file: group.file)].waiting.append((barrier, request)) }
                continue
            }
            let writeSequence = files[fd, default: FileState(file: group.file)].beginWrite()
            let id = nextOperationID
            nextOperationID += 1
            operations[id] = Operation(file: group.file, requests: group.requests, writeSequence: writeSequence, round: round)
            ringWritesInFlight += 1
            let small = group.end - group.position <= Int64(LogWriter.directWriteBytesMax)
            if inlineWrites && small && inline.count <= smallThroughRing {
                inline.append((id, group))
            } else {
                if small { smallThroughRing += 1 }
                writes.append(RingWrite(fd: fd, offset: group.position, buffers: group.buffers, sync: false, id: id))
            }
        }
        let count = writes.count + inline.count
        if count > 0 { roundRemaining[round] = count }
        submit(writes)
        for (id, group) in inline {
            complete(id, Result { () throws(IOErrno) in try group.file.write(group.buffers, at: group.position) })
        }
        return count
    }

    /// Submits `writes`; the ones the ring did not take complete at once with the submission error.
    private mutating func submit(_ writes: [RingWrite]) {
        guard !writes.isEmpty else { return }
        let inFlightBefore = ring.inFlight
        do {
            try ring.submit(writes)
        } catch {
            logger.error("log write submission failed", metadata: ["petrel_errno": "\(error)"])
            // The ring took a prefix (each taken write still completes); the rest never will.
            let queued = max(0, ring.inFlight - inFlightBefore)
            for write in writes.dropFirst(queued) { complete(write.id, .failure(error)) }
        }
    }

    /// Reaps every completion available without blocking, completes its requests and issues the
    /// fdatasyncs that became possible. Returns the number of fdatasyncs issued.
    mutating func reapAvailable() -> Int {
        reapedAny = false
        var value: UInt64 = 0
        _ = read(ring.eventFD, &value, 8)
        while ring.inFlight > 0 {
            let completions: [RingCompletion]
            do {
                completions = try ring.reap(timeoutMilliseconds: 0)
            } catch {
                logger.error("log write completion failed", metadata: ["petrel_errno": "\(error)"])
                break
            }
            if completions.isEmpty { break }
            reapedAny = true
            for completion in completions { complete(completion.id, completion.result.map { _ in () }) }
        }
        return issueSyncs()
    }

    /// A write's completion reports `.written` to its requests and queues the ones with `sync` for an
    /// fdatasync; a pure fdatasync's reports `.synced`; a failure reports `.failed` to every request.
    private mutating func complete(_ id: UInt64, _ result: Result<Void, IOErrno>) {
        guard let operation = operations.removeValue(forKey: id) else { return }
        if operation.writeSequence == nil { fdatasyncsInFlight -= 1 } else { ringWritesInFlight -= 1 }
        if let round = operation.round, let left = roundRemaining[round] {
            roundRemaining[round] = left > 1 ? left - 1 : nil
        }
        let fd = operation.file.fd
        var reports: [(LogWriter.Request, LogWriter.Progress)] = []
        if let sequence = operation.writeSequence {
            files[fd, default: FileState(file: operation.file)].writesInFlight.remove(sequence)
            for request in operation.requests {
                switch result {
                case .failure(let error):
                    reports.append((request, .failed(error)))
                case .success:
                    if !request.buffers.isEmpty { reports.append((request, .written)) }
                    if request.sync { files[fd, default: FileState(file: operation.file)].waiting.append((sequence + 1, request)) }
                }
            }
        } else {
            files[fd, default: FileState(file: operation.file)].syncInFlight = false
            let progress: LogWriter.Progress
            switch result {
            case .failure(let error): progress = .failed(error)
            case .success: progress = .synced
            }
            reports = operation.requests.map { ($0, progress) }
        }
        if files[fd]?.isIdle == true { files[fd] = nil }
        for (request, progress) in reports { request.report(progress) }
    }

    /// One pure fdatasync per file whose waiting requests' earlier writes have all completed, unless
    /// the last sync round covered several requests, started less than `syncInterval` ago, and a
    /// request with `sync` arrived less than `syncQuietPeriod` ago (then `syncDue` says when to look
    /// again).
    private mutating func issueSyncs() -> Int {
        syncDue = nil
        // Files with a request whose earlier writes all completed, and the oldest write still in flight.
        let readyFiles = files.compactMap { fd, state -> (fd: CInt, oldestWrite: UInt64)? in
            guard !state.syncInFlight, !state.waiting.isEmpty else { return nil }
            let oldestWrite = state.writesInFlight.min() ?? UInt64.max
            return state.waiting.contains { $0.barrier <= oldestWrite } ? (fd, oldestWrite) : nil
        }
        guard !readyFiles.isEmpty else { return 0 }
        if syncInterval > 0 {
            let now = monotonicNanoseconds()
            let intervalEnd = lastSyncRound + syncInterval
            let quietEnd = lastSyncArrival + syncQuietPeriod
            guard lastSyncRoundRequests <= 1 || now >= intervalEnd || now >= quietEnd else {
                syncDue = min(intervalEnd, quietEnd)
                return 0
            }
            lastSyncRound = now
        }
        var writes: [RingWrite] = []
        var requests = 0
        for (fd, oldestWrite) in readyFiles {
            guard let ready = files[fd]?.waiting.filter({ $0.barrier <= oldestWrite }), let file = files[fd]?.file
            else { continue }
            files[fd]?.waiting.removeAll { $0.barrier <= oldestWrite }
            files[fd]?.syncInFlight = true
            let id = nextOperationID
            nextOperationID += 1
            operations[id] = Operation(file: file, requests: ready.map(\.request), writeSequence: nil, round: nil)
            requests += ready.count
            fdatasyncsInFlight += 1
            writes.append(RingWrite(fd: fd, offset: 0, buffers: [], sync: true, id: id))
        }
        lastSyncRoundRequests = requests
        submit(writes)
        return writes.count
    }
}

/// What the I/O thread has done so far: how well group commit batches.
public struct IOStatistics: Sendable, Hashable {
    /// Rounds submitted (queue takes).
    public var rounds = 0
    /// Appends and flushes carried by those rounds.
    public var requests = 0
    /// Vectored writes (one per file per round).
    public var fileWrites = 0
    /// fdatasyncs issued (each covers every request of its file then waiting).
    public var fdatasyncs = 0
    /// Writes done on the appender's thread while the I/O thread had none in flight (`writeDirectly`).
    public var directWrites = 0
}

private func nanoseconds(_ duration: Duration) -> UInt64 {
    let (seconds, attoseconds) = duration.components
    return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds)) / 1_000_000_000
}

/// CLOCK_MONOTONIC in nanoseconds.
private func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
