import Glibc
import Logging
import NIOCore
import PetrelProtocol
import Testing

@testable import PetrelStorage

/// A ring that runs operations in a seeded random order, as the kernel may run unlinked io_uring
/// operations, and models what a crash would keep: a write lands in the file's page cache when it
/// runs; an fdatasync makes that file's page cache durable at the moment it runs (a linked write +
/// fdatasync runs as one step). After every step it checks the partition's `recoveryPoint` against the
/// durable bytes: every offset below it must sit in a durable batch.
final class ReorderingRing: WriteRing {
    private struct Operation {
        var write: RingWrite
    }

    let engine = IOEngine.ioUring
    private let readiness = ReadinessPipe()
    private var random: SeededRandom
    private var inFlightOperations: [Operation] = []
    /// Per fd: bytes of completed writes (page cache) and of synced ones (what survives a crash).
    private var cached: [CInt: [(position: Int64, bytes: ByteBuffer)]] = [:]
    private var durable: [CInt: [(position: Int64, bytes: ByteBuffer)]] = [:]
    let recoveryPoint = Locked<(() -> Int64)?>(nil)
    let violations = Locked<[String]>([])
    let steps = Locked(0)

    init(seed: UInt64) {
        random = SeededRandom(seed: seed)
    }

    var eventFD: CInt { readiness.readableFD }
    var inFlight: Int { inFlightOperations.count }

    func submit(_ writes: [RingWrite]) throws(IOErrno) {
        inFlightOperations += writes.map { Operation(write: $0) }
        readiness.signal()
    }

    /// Runs a random subset (possibly none, so the writer gets to submit more rounds meanwhile).
    func reap(timeoutMilliseconds: Int32) throws(IOErrno) -> [RingCompletion] {
        check()
        var done: [RingCompletion] = []
        let count = Int.random(in: 0...min(3, inFlightOperations.count), using: &random)
        for _ in 0..<count {
            let operation = inFlightOperations.remove(at: Int.random(in: 0..<inFlightOperations.count, using: &random))
            done.append(run(operation.write))
        }
        if !inFlightOperations.isEmpty { readiness.signal() }
        steps.withLock { $0 += 1 }
        return done
    }

    private func run(_ write: RingWrite) -> RingCompletion {
        // One write's buffers are contiguous (an append hands a batch over as header prefix + rest):
        // the model keeps them joined so it can parse whole batches.
        var joined = ByteBuffer()
        let written = write.performWithPwrite { _, buffer in joined.writeImmutableBuffer(buffer) }
        cached[write.fd, default: []].append((write.offset, joined))
        if write.sync { durable[write.fd] = cached[write.fd] ?? [] }
        return RingCompletion(id: write.id, result: .success(written))
    }

    /// The first offset not held by a durable batch, from offset 0.
    private func durableEnd() -> Int64 {
        var ranges: [(first: Int64, next: Int64)] = []
        for (_, writes) in durable {
            for (_, bytes) in writes {
                var index = bytes.readerIndex
                while index < bytes.writerIndex, let header = try? RecordBatchHeader(parsing: bytes, at: index) {
                    ranges.append((header.baseOffset, header.nextOffset))
                    index += header.totalSize
                }
            }
        }
        var end: Int64 = 0
        for range in ranges.sorted(by: { $0.first < $1.first }) where range.first <= end {
            end = max(end, range.next)
        }
        return end
    }

    func check() {
        guard let provider = recoveryPoint.withLock({ $0 }) else { return }
        let point = provider()
        let end = durableEnd()
        if point > end {
            violations.withLock { found in
                if found.count < 3 { found.append("recoveryPoint \(point) above the durable end \(end)") }
            }
        }
    }
}

@Suite struct LogWriterOrderingTests {
    /// Durable and plain appends from concurrent appenders, small segments (a roll every few appends)
    /// and explicit flushes, on a ring that runs unlinked operations in a random order. A writer that
    /// let an fdatasync overtake an earlier write of its file, or a log that moved its recovery point
    /// before the rolled segment's flush finished, shows up as a recovery point above the durable data.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func recoveryPointNeverPassesDurableDataWhenOperationsRunOutOfOrder(seed: UInt64) async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let ring = ReorderingRing(seed: seed)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let writer = try LogWriter(ring: ring, logger: logger)
        var config = LogConfig()
        config.segmentBytes = 3 * 1024
        config.segmentIndexBytes = 4096
        let log = try PartitionLog(
            topic: "ordering", partition: 0, logDirectory: LogDirectory(path: directory.path), config: config,
            writer: writer, recoveryPoint: 0, logStartOffset: 0, cleanShutdown: true, logger: logger)
        ring.recoveryPoint.withLock { $0 = { log.recoveryPoint } }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for appender in 0..<6 {
                group.addTask {
                    var random = SeededRandom(seed: seed &* 31 &+ UInt64(appender))
                    for index in 0..<25 {
                        let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: Int.random(in: 200...900, using: &random))
                        let batch = BatchFactory.batch(records: Int32.random(in: 1...3, using: &random), payload: payload)
                        let durable = Bool.random(using: &random)
                        let info = try await log.appendAsLeader(batch, leaderEpoch: 0, now: 1_000, durable: durable)
                        if durable { #expect(log.recoveryPoint > info.lastOffset) }
                        if Int.random(in: 0..<8, using: &random) == 0 { try await log.flush() }
                    }
                }
            }
            try await group.waitForAll()
        }
        try await log.flush()
        ring.check()
        writer.shutdown()
        #expect(ring.violations.withLock { $0 } == [])
        #expect(log.recoveryPoint == log.logEndOffset)
        #expect(log.segmentCount > 10)
        #expect(ring.steps.withLock { $0 } > 100)
    }

    /// The pipelined writer on both engines: concurrent plain and durable appends across many rolls come
    /// back contiguous, each appender's offsets rising, everything durable after `flush`, and the same log
    /// end offset after a reopen.
    @Test(arguments: IOEngine.allCases)
    func pipelinedAppendsAcrossRollsReadBackContiguousOnBothEngines(engine: IOEngine) async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var config = LogManagerConfig.test(directory.path) { $0.segmentBytes = 8 * 1024 }
        config.ioEngine = engine
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        var manager = try LogManager(config: config, logger: logger)
        #expect(manager.ioEngine == engine)
        let log = try manager.createLog(topic: "t", partition: 0)
        let rising = try await withThrowingTaskGroup(of: Bool.self) { group in
            for appender in 0..<8 {
                group.addTask {
                    var last: Int64 = -1
                    var rising = true
                    for index in 0..<40 {
                        let batch = BatchFactory.batch(records: 2, payload: [UInt8](repeating: UInt8(appender), count: 300 + index))
                        let info = try await log.appendAsLeader(batch, leaderEpoch: 0, now: 0, durable: index % 3 == 0)
                        rising = rising && info.firstOffset > last
                        last = info.lastOffset
                    }
                    return rising
                }
            }
            return try await group.reduce(true) { $0 && $1 }
        }
        #expect(rising)
        try await log.flush()
        #expect(log.recoveryPoint == 640)
        #expect(log.segmentCount > 10)
        let headers = try readAllHeaders(log, from: 0)
        #expect(headers.map(\.baseOffset) == Array(stride(from: Int64(0), to: 640, by: 2)))
        try await manager.shutdown()

        manager = try LogManager(config: config, logger: logger)
        #expect(manager.log(topic: "t", partition: 0)?.logEndOffset == 640)
        try await manager.shutdown()
    }
}
