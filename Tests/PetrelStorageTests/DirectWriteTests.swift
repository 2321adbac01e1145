import Glibc
import Logging
import NIOCore
import PetrelProtocol
import Testing

@testable import PetrelStorage

/// `LogWriter.writeIfIdle`: a small write without fdatasync is done on the appender's thread when the
/// I/O thread has nothing to do, and goes through the ring otherwise.
@Suite struct DirectWriteTests {
    let directory = TemporaryDirectory()
    let ring = ControlledRing()
    let writer: LogWriter
    let log: PartitionLog

    init() throws {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        writer = try LogWriter(ring: ring, logger: logger, directWrites: true)
        log = try PartitionLog(
            topic: "direct", partition: 0, logDirectory: LogDirectory(path: directory.path), config: LogConfig(),
            writer: writer, recoveryPoint: 0, logStartOffset: 0, cleanShutdown: true, logger: logger)
    }

    private func finish() {
        ring.completeEverything()
        writer.shutdown()
        directory.remove()
    }

    /// Waits (polling) until the I/O thread has blocked with nothing to do.
    private func untilWriterIdle() async throws {
        for _ in 0..<10_000 where !writer.isIdle { try await Task.sleep(for: .milliseconds(1)) }
        try #require(writer.isIdle)
    }

    private func batch(_ byte: UInt8, size: Int = 100) -> ByteBuffer {
        BatchFactory.batch(records: 2, payload: [UInt8](repeating: byte, count: size))
    }

    private func readBackBaseOffsets() throws -> [Int64] {
        try BatchFactory.headers(in: log.readBuffer(from: 0, maxBytes: 1 << 20, minOneBatch: true)).map(\.baseOffset)
    }

    /// Idle writer: the append is written before `submitAppendAsLeader` returns, the ring sees nothing.
    @Test func idleAppendIsWrittenOnTheCallersThread() async throws {
        defer { finish() }
        try await untilWriterIdle()
        let pending = try log.submitAppendAsLeader(batch(1), leaderEpoch: 0, now: 1_000, durable: false)
        #expect(log.logEndOffset == 2)
        #expect(try await pending.written().firstOffset == 0)
        #expect(try await pending.result().lastOffset == 1)
        #expect(ring.inFlight == 0)
        #expect(writer.statistics.directWrites == 1)
        #expect(writer.statistics.requests == 0)
        #expect(try readBackBaseOffsets() == [0])
    }

    /// Durable appends and writes above `directWriteBytesMax` always go through the ring, and while they
    /// are in flight a small plain append queues behind them; all complete in offset order.
    @Test func busyWriterDurableAndLargeAppendsGoThroughTheRing() async throws {
        defer { finish() }
        try await untilWriterIdle()
        let durable = try log.submitAppendAsLeader(batch(1), leaderEpoch: 0, now: 1_000, durable: true)
        let durableWrite = try await ring.operation { !$0.buffers.isEmpty }
        let plain = try log.submitAppendAsLeader(batch(2), leaderEpoch: 0, now: 1_000, durable: false)
        #expect(writer.statistics.directWrites == 0)
        _ = try await ring.operation { !$0.buffers.isEmpty && $0.id != durableWrite.id }
        ring.completeEverything()
        #expect(try await plain.result().firstOffset == 2)
        #expect(try await durable.result().firstOffset == 0)

        try await untilWriterIdle()
        let large = try log.submitAppendAsLeader(
            batch(3, size: LogWriter.directWriteBytesMax), leaderEpoch: 0, now: 1_000, durable: false)
        #expect(try await large.result().firstOffset == 4)
        #expect(writer.statistics.directWrites == 0)
        #expect(try readBackBaseOffsets() == [0, 2, 4])
    }

    /// A direct write that fails returns its errno to the caller (which handles it as a failed ring write)
    /// and calls no `report`; a request with fdatasync is never written directly.
    @Test func failedDirectWriteIsReturnedToTheCaller() async throws {
        defer { finish() }
        try await untilWriterIdle()
        let path = directory.path + "/read-only"
        close(open(path, O_CREAT | O_WRONLY, 0o644))
        let readOnly = SegmentFileHandle(fd: open(path, O_RDONLY), path: path)
        let reported = Locked(0)
        let request = LogWriter.Request(
            file: readOnly, position: 0, bytes: batch(1), sync: false, report: { _ in reported.withLock { $0 += 1 } })
        #expect(writer.writeIfIdle(request) == .failed(IOErrno(EBADF)))
        #expect(reported.withLock { $0 } == 0)
        #expect(writer.writeIfIdle(LogWriter.Request(
            file: readOnly, position: 0, bytes: batch(1), sync: true, report: { _ in })) == nil)
    }
}
