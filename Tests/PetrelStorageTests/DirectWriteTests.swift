import Glibc
import Logging
import NIOCore
import PetrelProtocol
import Testing

@testable import PetrelStorage

/// `LogWriter.writeDirectly`: a small write is done on the appender's thread when the I/O thread has no
/// write queued or in flight (its fdatasync, if any, still goes through the ring), and goes through the
/// ring otherwise.
@Suite struct DirectWriteTests {
    let fixture: RingDrivenLog

    init() throws {
        fixture = try RingDrivenLog(topic: "direct", directWrites: true)
    }

    /// Waits (polling) until the I/O thread has blocked with no write in flight.
    private func untilDirectWritesAccepted() async throws {
        for _ in 0..<10_000 where !fixture.writer.acceptsDirectWrites { try await Task.sleep(for: .milliseconds(1)) }
        try #require(fixture.writer.acceptsDirectWrites)
    }

    private func batch(_ byte: UInt8, size: Int = 100) -> ByteBuffer {
        BatchFactory.batch(records: 2, payload: [UInt8](repeating: byte, count: size))
    }

    private func readBackBaseOffsets() throws -> [Int64] {
        try BatchFactory.headers(in: fixture.log.readBuffer(from: 0, maxBytes: 1 << 20, minOneBatch: true)).map(\.baseOffset)
    }

    /// Idle writer: the append is written before `submitAppendAsLeader` returns, the ring sees nothing.
    @Test func idleAppendIsWrittenOnTheCallersThread() async throws {
        defer { fixture.finish() }
        try await untilDirectWritesAccepted()
        let pending = try fixture.log.submitAppendAsLeader(batch(1), leaderEpoch: 0, now: 1_000, durable: false)
        #expect(fixture.log.logEndOffset == 2)
        #expect(try await pending.written().firstOffset == 0)
        #expect(try await pending.result().lastOffset == 1)
        #expect(fixture.ring.inFlight == 0)
        #expect(fixture.writer.statistics.directWrites == 1)
        #expect(fixture.writer.statistics.requests == 0)
        #expect(try readBackBaseOffsets() == [0])
    }

    /// A durable append is written directly and readable at once; its fdatasync goes through the ring, and
    /// `result()` waits for it.
    @Test func durableAppendIsWrittenDirectlyAndSyncedThroughTheRing() async throws {
        defer { fixture.finish() }
        try await untilDirectWritesAccepted()
        let pending = try fixture.log.submitAppendAsLeader(batch(1), leaderEpoch: 0, now: 1_000, durable: true)
        #expect(try await pending.written().firstOffset == 0)
        #expect(fixture.writer.statistics.directWrites == 1)
        let sync = try await fixture.ring.operation { $0.buffers.isEmpty && $0.sync }
        #expect(fixture.log.recoveryPoint == 0)
        fixture.ring.complete(sync.id)
        #expect(try await pending.result().lastOffset == 1)
        #expect(fixture.log.recoveryPoint == 2)
        #expect(try readBackBaseOffsets() == [0])
    }

    /// An append of more batches than one pwritev takes buffers (two per batch, 1,024 per call) is
    /// written directly in several calls, byte for byte and in order.
    @Test func appendOfManyBatchesIsWrittenDirectlyInOrder() async throws {
        defer { fixture.finish() }
        try await untilDirectWritesAccepted()
        var append = ByteBuffer()
        for index in 0..<600 {
            var one = BatchFactory.batch(records: 1, payload: [UInt8(index % 251)])
            append.writeBuffer(&one)
        }
        #expect(append.readableBytes <= LogWriter.directWriteBytesMax)
        let pending = try fixture.log.submitAppendAsLeader(append, leaderEpoch: 0, now: 1_000, durable: false)
        #expect(try await pending.result().lastOffset == 599)
        #expect(fixture.writer.statistics.directWrites == 1)
        let stored = try fixture.log.readBuffer(from: 0, maxBytes: 1 << 20, minOneBatch: true)
        let headers = try BatchFactory.headers(in: stored)
        #expect(headers.map(\.baseOffset) == (0..<600).map(Int64.init))
        // Past each batch's patched prefix, the stored bytes are the appended ones.
        let prefix = RecordBatchHeader.Field.magic
        var position = 0
        for header in headers {
            #expect(stored.getBytes(at: position + prefix, length: header.totalSize - prefix)
                == append.getBytes(at: position + prefix, length: header.totalSize - prefix))
            position += header.totalSize
        }
    }

    /// A write above `directWriteBytesMax` goes through the ring, and while it is in flight small appends
    /// (plain and durable) queue behind it; all complete in offset order.
    @Test func writesQueueBehindARingWriteInFlight() async throws {
        defer { fixture.finish() }
        try await untilDirectWritesAccepted()
        let large = try fixture.log.submitAppendAsLeader(
            batch(1, size: LogWriter.directWriteBytesMax), leaderEpoch: 0, now: 1_000, durable: false)
        let largeWrite = try await fixture.ring.operation { !$0.buffers.isEmpty }
        let plain = try fixture.log.submitAppendAsLeader(batch(2), leaderEpoch: 0, now: 1_000, durable: false)
        let durable = try fixture.log.submitAppendAsLeader(batch(3), leaderEpoch: 0, now: 1_000, durable: true)
        #expect(fixture.writer.statistics.directWrites == 0)
        _ = try await fixture.ring.operation { !$0.buffers.isEmpty && $0.id != largeWrite.id }
        fixture.ring.completeEverything()
        #expect(try await large.result().firstOffset == 0)
        #expect(try await plain.result().firstOffset == 2)
        #expect(try await durable.result().firstOffset == 4)
        #expect(try readBackBaseOffsets() == [0, 2, 4])
    }

    /// A direct write that fails returns its errno to the caller (which handles it as a failed ring write),
    /// calls no `report` and queues no fdatasync.
    @Test func failedDirectWriteIsReturnedToTheCaller() async throws {
        defer { fixture.finish() }
        try await untilDirectWritesAccepted()
        let path = fixture.directory.path + "/read-only"
        close(open(path, O_CREAT | O_WRONLY, 0o644))
        let readOnly = SegmentFileHandle(fd: open(path, O_RDONLY), path: path)
        let reported = Locked(0)
        let request = LogWriter.Request(
            file: readOnly, position: 0, buffers: [batch(1)], sync: false, report: { _ in reported.withLock { $0 += 1 } })
        let sync = LogWriter.Request(
            file: readOnly, position: 0, buffers: [batch(1)], sync: true, report: { _ in reported.withLock { $0 += 1 } })
        #expect(fixture.writer.writeDirectly(request) == .failed(IOErrno(EBADF)))
        #expect(fixture.writer.writeDirectly(sync) == .failed(IOErrno(EBADF)))
        #expect(fixture.writer.acceptsDirectWrites)
        #expect(reported.withLock { $0 } == 0)
        #expect(fixture.ring.inFlight == 0)
    }
}
