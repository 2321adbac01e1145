import Glibc
import Logging
import NIOCore

/// The storage I/O thread: the one owner of the `URing`.
///
/// Appenders of any partition, on any thread, `enqueue` writes; the thread takes everything queued
/// so far as one round, merges the writes of each segment file into one vectored write (they are
/// contiguous: offsets are assigned under the partition lock), links one fdatasync per file when any
/// write in it asked for durability, submits the whole round with one `submit`, waits for every
/// completion and then calls the completion handlers. Writes queued meanwhile form the next round:
/// that is the group commit. One fdatasync per file covers every batch written to it in the round.
final class LogWriter: Sendable {
    struct Request: Sendable {
        var file: SegmentFileHandle
        var position: Int64
        /// nil: a pure flush (fdatasync) of `file`.
        var bytes: ByteBuffer?
        var sync: Bool
        /// Called on the I/O thread once the write (and its sync) finished or failed.
        var completion: @Sendable (Result<Void, IOErrno>) -> Void
    }

    private struct Queue {
        var requests: [Request] = []
        var stopping = false
        var running = false
    }

    let engine: IOEngine
    private let queue = Locked(Queue())
    private let counters = Locked(IOStatistics())
    /// Pipe the thread sleeps on while the queue is empty ([read, write]).
    private let wake: [CInt]
    /// Pipe the thread writes to when it has drained everything after `shutdown`.
    private let finished: [CInt]

    init(engine requested: IOEngine, logger: Logger, simulateUnavailable: Bool = false) throws(IOErrno) {
        // The ring is created here (so a failure is reported to the caller) and then handed to the thread,
        // its only user from then on.
        nonisolated(unsafe) let ring = try URing(
            entries: 1024, engine: requested, logger: logger, simulateUnavailable: simulateUnavailable)
        engine = ring.engine
        var fds: [CInt] = [-1, -1, -1, -1]
        guard pipe(&fds) == 0 else { throw IOErrno(errno) }
        let second = fds.withUnsafeMutableBufferPointer { pipe($0.baseAddress! + 2) }
        guard second == 0 else { throw IOErrno(errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        wake = [fds[0], fds[1]]
        finished = [fds[2], fds[3]]
        queue.withLock { $0.running = true }
        let logger = logger
        startThread { [self] in
            run(ring: ring, logger: logger)
        }
    }

    deinit {
        (wake + finished).forEach { close($0) }
    }

    var statistics: IOStatistics { counters.withLock { $0 } }

    func enqueue(_ request: Request) {
        enqueue([request])
    }

    func enqueue(_ requests: [Request]) {
        let accepted = queue.withLock { queue -> Bool in
            guard !queue.stopping else { return false }
            queue.requests.append(contentsOf: requests)
            return true
        }
        guard accepted else {
            for request in requests { request.completion(.failure(IOErrno(ESHUTDOWN))) }
            return
        }
        signal(wake[1])
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

    private func run(ring: URing, logger: Logger) {
        while true {
            let (round, stop) = queue.withLock { queue -> ([Request], Bool) in
                let taken = queue.requests
                queue.requests.removeAll(keepingCapacity: true)
                return (taken, queue.stopping)
            }
            if round.isEmpty {
                if stop { break }
                var drain = [UInt8](repeating: 0, count: 64)
                _ = read(wake[0], &drain, drain.count)
                continue
            }
            var rest = round[...]
            while !rest.isEmpty {
                rest = runRound(rest, ring: ring, logger: logger)
            }
        }
        signal(finished[1])
    }

    private func signal(_ fd: CInt) {
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
    }

    /// Submits as many requests as form one consistent round (writes to one file contiguous); returns
    /// the requests left for the next round.
    private func runRound(_ requests: ArraySlice<Request>, ring: URing, logger: Logger) -> ArraySlice<Request> {
        var writes: [RingWrite] = []
        var members: [[Request]] = []
        var ends: [Int64] = []
        var opForFD: [CInt: Int] = [:]
        var consumed = requests.startIndex
        for request in requests {
            if let op = opForFD[request.file.fd] {
                if let bytes = request.bytes {
                    guard request.position == ends[op] else { break }  // not contiguous: next round
                    writes[op].buffers.append(bytes)
                    ends[op] += Int64(bytes.readableBytes)
                }
                writes[op].sync = writes[op].sync || request.sync
                members[op].append(request)
            } else {
                opForFD[request.file.fd] = writes.count
                let bytes = request.bytes.map { [$0] } ?? []
                writes.append(RingWrite(
                    fd: request.file.fd, offset: request.position, buffers: bytes, sync: request.sync,
                    id: UInt64(writes.count)))
                members.append([request])
                ends.append(request.position + Int64(request.bytes?.readableBytes ?? 0))
            }
            consumed += 1
        }
        counters.withLock { counters in
            counters.rounds += 1
            counters.requests += consumed - requests.startIndex
            counters.fileWrites += writes.count
            counters.fdatasyncs += writes.filter(\.sync).count
        }
        var results = [Result<Void, IOErrno>?](repeating: nil, count: writes.count)
        do {
            try ring.submit(writes)
        } catch {
            logger.error("log write submission failed", metadata: ["petrel_errno": "\(error)"])
            for index in results.indices { results[index] = .failure(error) }
        }
        while ring.inFlight > 0 {
            do {
                for completion in try ring.reap(timeoutMilliseconds: -1) {
                    results[Int(completion.id)] = completion.result.map { _ in () }
                }
            } catch {
                logger.error("log write completion failed", metadata: ["petrel_errno": "\(error)"])
                break
            }
        }
        for (index, group) in members.enumerated() {
            let result = results[index] ?? .failure(IOErrno(EIO))
            for request in group { request.completion(result) }
        }
        return requests[consumed...]
    }
}

/// What the I/O thread has done so far: how well group commit batches.
public struct IOStatistics: Sendable, Hashable {
    /// Ring submissions (one per round).
    public var rounds = 0
    /// Appends and flushes carried by those rounds.
    public var requests = 0
    /// Vectored writes (one per file per round).
    public var fileWrites = 0
    /// fdatasyncs linked to them.
    public var fdatasyncs = 0
}
