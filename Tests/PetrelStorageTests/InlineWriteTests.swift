import Logging
import NIOCore
import PetrelProtocol
import Testing

@testable import PetrelStorage

/// `inlineWrites`: the I/O thread writes a round's small writes itself with pwritev; larger writes and
/// fdatasyncs reach the ring, and a durable append is answered once its fdatasync completes there.
@Suite(.timeLimit(.minutes(1))) struct InlineWriteTests {
    let fixture: RingDrivenLog

    init() throws {
        fixture = try RingDrivenLog(topic: "inline", inlineWrites: true)
    }

    private func batch(_ byte: UInt8) -> ByteBuffer {
        BatchFactory.batch(records: 2, payload: [UInt8](repeating: byte, count: 100))
    }

    @Test func writesNeverReachTheRing() async throws {
        defer { fixture.finish() }
        let appends = try (1...20).map { try fixture.log.submitAppendAsLeader(batch($0), leaderEpoch: 0, now: 1_000, durable: false) }
        for (index, append) in appends.enumerated() { #expect(try await append.result().firstOffset == Int64(2 * index)) }
        #expect(fixture.ring.inFlight == 0)
        #expect(fixture.writer.statistics.fileWrites >= 1)
        let stored = try fixture.log.readBuffer(from: 0, maxBytes: 1 << 20, minOneBatch: true)
        #expect(try BatchFactory.headers(in: stored).map(\.baseOffset) == (0..<20).map { Int64(2 * $0) })
    }

    /// A write above `directWriteBytesMax` goes through the ring (its copy runs on an io-wq worker).
    @Test func largeWriteGoesThroughTheRing() async throws {
        defer { fixture.finish() }
        let large = BatchFactory.batch(records: 1, payload: [UInt8](repeating: 9, count: LogWriter.directWriteBytesMax))
        let pending = try fixture.log.submitAppendAsLeader(large, leaderEpoch: 0, now: 1_000, durable: false)
        let write = try await fixture.ring.operation { !$0.buffers.isEmpty }
        #expect(fixture.log.logEndOffset == 0)
        fixture.ring.complete(write.id)
        #expect(try await pending.result().firstOffset == 0)
        #expect(fixture.log.logEndOffset == 1)
    }

    @Test func durableAppendWaitsForItsFdatasyncOnTheRing() async throws {
        defer { fixture.finish() }
        let pending = try fixture.log.submitAppendAsLeader(batch(1), leaderEpoch: 0, now: 1_000, durable: true)
        #expect(try await pending.written().lastOffset == 1)
        let sync = try await fixture.ring.operation { $0.sync }
        #expect(sync.buffers.isEmpty)
        #expect(fixture.log.recoveryPoint == 0)
        fixture.ring.complete(sync.id)
        #expect(try await pending.result().lastOffset == 1)
        #expect(fixture.log.recoveryPoint == 2)
    }
}
