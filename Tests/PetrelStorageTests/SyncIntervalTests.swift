import NIOCore
import Testing

@testable import PetrelStorage

/// `syncInterval`: the I/O thread starts fdatasyncs at most once per interval, and one fdatasync covers
/// every durable append of the file that waited for it. Writes are done by the thread itself
/// (`inlineWrites`), so only fdatasyncs reach the scripted ring.
@Suite(.timeLimit(.minutes(1))) struct SyncIntervalTests {
    static let interval = Duration.milliseconds(300)
    let fixture: RingDrivenLog

    init() throws {
        fixture = try RingDrivenLog(topic: "interval", inlineWrites: true, syncInterval: Self.interval)
    }

    private func durableAppend(_ byte: UInt8) throws -> PendingAppend {
        let batch = BatchFactory.batch(records: 1, payload: [UInt8](repeating: byte, count: 100))
        return try fixture.log.submitAppendAsLeader(batch, leaderEpoch: 0, now: 1_000, durable: true)
    }

    @Test func laterAppendsWaitForTheNextSyncRoundAndShareIt() async throws {
        defer { fixture.finish() }
        let start = ContinuousClock.now
        let first = try durableAppend(1)
        // The first sync round starts at once.
        let firstSync = try await fixture.ring.operation { $0.sync }
        fixture.ring.complete(firstSync.id)
        #expect(try await first.result().firstOffset == 0)

        let later = try (2...4).map { try durableAppend(UInt8($0)) }
        for append in later { _ = try await append.written() }
        #expect(fixture.log.logEndOffset == 4)
        let secondSync = try await fixture.ring.operation { $0.sync }
        #expect(ContinuousClock.now - start >= Self.interval)
        #expect(fixture.log.recoveryPoint == 1)
        fixture.ring.complete(secondSync.id)
        var offsets: [Int64] = []
        for append in later { offsets.append(try await append.result().firstOffset) }
        #expect(offsets == [1, 2, 3])
        #expect(fixture.log.recoveryPoint == 4)
        #expect(fixture.writer.statistics.fdatasyncs == 2)
    }
}
