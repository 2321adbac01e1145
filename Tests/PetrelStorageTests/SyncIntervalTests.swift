import NIOCore
import Testing

@testable import PetrelStorage

/// `syncInterval`: after a sync round that covered several durable appends, the next round starts once
/// the interval has passed or no durable append arrived for the quiet period, and covers every append
/// that waited meanwhile; after a round of one append, the next starts at once. Writes are done by the
/// I/O thread itself (`inlineWrites`), so only fdatasyncs reach the scripted ring. Each test makes the
/// rule it does not exercise unreachable (an hour) so that only the one under test can start a round.
@Suite(.timeLimit(.minutes(1))) struct SyncIntervalTests {
    static let hour = Duration.seconds(3_600)

    private func durableAppend(_ log: PartitionLog, _ byte: UInt8) throws -> PendingAppend {
        let batch = BatchFactory.batch(records: 1, payload: [UInt8](repeating: byte, count: 100))
        return try log.submitAppendAsLeader(batch, leaderEpoch: 0, now: 1_000, durable: true)
    }

    /// Runs a round of one append, then a round shared by two appends queued while the first round's
    /// fdatasync was in flight, and queues two more appends while the shared round's is in flight (so
    /// they share the next round, however slowly the test runs). Returns once the shared appends are
    /// durable, with the later two, the time before the shared round and the time before the later two.
    private func shareARoundAndQueueTwoMore(_ fixture: RingDrivenLog) async throws
        -> (later: [PendingAppend], start: ContinuousClock.Instant, queued: ContinuousClock.Instant)
    {
        let first = try durableAppend(fixture.log, 1)
        let firstSync = try await fixture.ring.operation { $0.sync }
        let start = ContinuousClock.now
        let shared = try [durableAppend(fixture.log, 2), durableAppend(fixture.log, 3)]
        for append in shared { _ = try await append.written() }
        fixture.ring.complete(firstSync.id)
        #expect(try await first.result().firstOffset == 0)
        let sharedSync = try await fixture.ring.operation { $0.sync }
        let queued = ContinuousClock.now
        let later = try [durableAppend(fixture.log, 4), durableAppend(fixture.log, 5)]
        for append in later { _ = try await append.written() }
        fixture.ring.complete(sharedSync.id)
        for append in shared { _ = try await append.result() }
        #expect(fixture.log.recoveryPoint == 3)
        return (later, start, queued)
    }

    /// Waits for the round of the two later appends, then completes it; returns when it was seen.
    private func finishLaterRound(_ fixture: RingDrivenLog, _ later: [PendingAppend]) async throws -> ContinuousClock.Instant {
        let laterSync = try await fixture.ring.operation { $0.sync }
        let seen = ContinuousClock.now
        #expect(fixture.log.recoveryPoint == 3)
        fixture.ring.complete(laterSync.id)
        var offsets: [Int64] = []
        for append in later { offsets.append(try await append.result().firstOffset) }
        #expect(offsets == [3, 4])
        #expect(fixture.log.recoveryPoint == 5)
        #expect(fixture.writer.statistics.fdatasyncs == 3)
        return seen
    }

    @Test func afterASharedRoundTheNextWaitsForTheInterval() async throws {
        let interval = Duration.milliseconds(300)
        let fixture = try RingDrivenLog(topic: "interval", inlineWrites: true, syncInterval: interval, syncQuietPeriod: Self.hour)
        defer { fixture.finish() }
        let (later, start, _) = try await shareARoundAndQueueTwoMore(fixture)
        let seen = try await finishLaterRound(fixture, later)
        // The shared round started after `start`; the next one no sooner than the interval after it.
        #expect(seen - start >= interval)
    }

    @Test func aQuietPeriodEndsTheIntervalEarly() async throws {
        let quiet = Duration.milliseconds(50)
        let fixture = try RingDrivenLog(topic: "quiet", inlineWrites: true, syncInterval: Self.hour, syncQuietPeriod: quiet)
        defer { fixture.finish() }
        let (later, _, queued) = try await shareARoundAndQueueTwoMore(fixture)
        let seen = try await finishLaterRound(fixture, later)
        #expect(seen - queued >= quiet)
    }

    /// A client that waits for each durable append is never held back.
    @Test func aLoneAppenderIsNotHeldBack() async throws {
        let fixture = try RingDrivenLog(topic: "alone", inlineWrites: true, syncInterval: Self.hour, syncQuietPeriod: Self.hour)
        defer { fixture.finish() }
        for index in 0..<3 {
            let append = try durableAppend(fixture.log, UInt8(index))
            let sync = try await fixture.ring.operation { $0.sync }
            fixture.ring.complete(sync.id)
            #expect(try await append.result().firstOffset == Int64(index))
        }
        #expect(fixture.writer.statistics.fdatasyncs == 3)
    }
}
