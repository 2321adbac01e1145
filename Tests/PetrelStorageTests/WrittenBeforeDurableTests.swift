import Glibc
import Logging
import NIOCore
import PetrelProtocol
import Testing

@testable import PetrelStorage

/// A ring whose operations finish only when the test says so. Completing a write runs it (pwrite of
/// its buffers); completing a pure fdatasync does nothing on disk. Either can be made to fail instead.
final class ControlledRing: WriteRing, @unchecked Sendable {
    private struct State {
        var submitted: [RingWrite] = []
        var ready: [RingCompletion] = []
        var reaped: Set<UInt64> = []
        /// Every operation completes as it is submitted (so a test ending early can shut the writer down).
        var completesAtOnce = false
    }

    let engine = IOEngine.ioUring
    private let state = Locked(State())
    private let readiness = ReadinessPipe()

    var eventFD: CInt { readiness.readableFD }
    var inFlight: Int { state.withLock { $0.submitted.count + $0.ready.count } }

    func submit(_ writes: [RingWrite]) throws(IOErrno) {
        let now = state.withLock { state in
            state.submitted += writes
            return state.completesAtOnce
        }
        if now { writes.forEach { complete($0.id) } }
    }

    /// Completes every operation in flight, and from now on every new one as it is submitted.
    func completeEverything() {
        let pending = state.withLock { state in
            state.completesAtOnce = true
            return state.submitted.map(\.id)
        }
        pending.forEach { complete($0) }
    }

    func reap(timeoutMilliseconds: Int32) throws(IOErrno) -> [RingCompletion] {
        state.withLock { state in
            let done = state.ready
            state.ready.removeAll()
            state.reaped.formUnion(done.map(\.id))
            return done
        }
    }

    /// Waits (polling) until an operation not yet completed matches `isMatch`; returns it.
    func operation(_ isMatch: @escaping (RingWrite) -> Bool) async throws -> RingWrite {
        for _ in 0..<10_000 {
            if let found = state.withLock({ $0.submitted.first(where: isMatch) }) { return found }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw RingTimeout()
    }

    /// Finishes operation `id`: runs it, or fails it with `errno`.
    func complete(_ id: UInt64, failing errno: Int32? = nil) {
        let result: Result<Int, IOErrno> = state.withLock { state in
            guard let index = state.submitted.firstIndex(where: { $0.id == id }) else { return .failure(IOErrno(ENOENT)) }
            let write = state.submitted.remove(at: index)
            var outcome: Result<Int, IOErrno> = .success(0)
            if let errno {
                outcome = .failure(IOErrno(errno))
            } else {
                outcome = .success(write.performWithPwrite())
            }
            state.ready.append(RingCompletion(id: id, result: outcome))
            return outcome
        }
        precondition(result != .failure(IOErrno(ENOENT)), "no operation \(id) in flight")
        readiness.signal()
    }

    /// Waits (polling) until the writer reaped operation `id`.
    func waitUntilReaped(_ id: UInt64) async throws {
        for _ in 0..<10_000 {
            if state.withLock({ $0.reaped.contains(id) }) { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw RingTimeout()
    }

    struct RingTimeout: Error {}
}

/// `PendingAppend.written()` (what the broker's high watermark follows) against `result()` (the
/// answer, after the fdatasync of a durable append), on a ring the test drives step by step.
@Suite struct WrittenBeforeDurableTests {
    let fixture: RingDrivenLog

    init() throws {
        fixture = try RingDrivenLog(topic: "written")
    }

    private func batch(_ byte: UInt8) -> ByteBuffer {
        BatchFactory.batch(records: 2, payload: [UInt8](repeating: byte, count: 100))
    }

    private static func isWrite(_ write: RingWrite) -> Bool { !write.buffers.isEmpty }
    private static func isSync(_ write: RingWrite) -> Bool { write.buffers.isEmpty && write.sync }

    /// Two durable appends whose writes complete in reverse order: neither is written before the first
    /// write completes (offset order), both are written and readable before any fdatasync completes, one
    /// fdatasync covers both, and both are answered only after it.
    @Test func writtenCompletesInOffsetOrderBeforeTheFdatasyncAndResultOnlyAfterIt() async throws {
        defer { fixture.finish() }
        let first = try fixture.log.submitAppendAsLeader(batch(1), leaderEpoch: 0, now: 1_000, durable: true)
        let firstWrite = try await fixture.ring.operation(Self.isWrite)
        let second = try fixture.log.submitAppendAsLeader(batch(2), leaderEpoch: 0, now: 1_000, durable: true)
        let secondWrite = try await fixture.ring.operation { Self.isWrite($0) && $0.id != firstWrite.id }

        let events = Locked<[String]>([])
        let waiters = [("first", first), ("second", second)].flatMap { name, pending in
            [
                Task {
                    let info = try await pending.written()
                    events.withLock { $0.append("\(name) written") }
                    return info
                },
                Task {
                    let info = try await pending.result()
                    events.withLock { $0.append("\(name) result") }
                    return info
                },
            ]
        }

        events.withLock { $0.append("second write done") }
        fixture.ring.complete(secondWrite.id)
        try await fixture.ring.waitUntilReaped(secondWrite.id)
        #expect(fixture.log.logEndOffset == 0)

        events.withLock { $0.append("first write done") }
        fixture.ring.complete(firstWrite.id)
        let firstWritten = try await waiters[0].value
        let secondWritten = try await waiters[2].value
        #expect(firstWritten.firstOffset == 0 && secondWritten.firstOffset == 2)
        #expect(fixture.log.logEndOffset == 4)
        #expect(fixture.log.recoveryPoint == 0)
        #expect(try readAllHeaders(fixture.log, from: 0).map(\.baseOffset) == [0, 2])

        let sync = try await fixture.ring.operation(Self.isSync)
        events.withLock { $0.append("fdatasync done") }
        fixture.ring.complete(sync.id)
        let firstResult = try await waiters[1].value
        let secondResult = try await waiters[3].value
        #expect(firstResult == firstWritten && secondResult == secondWritten)
        #expect(fixture.log.recoveryPoint == 4)

        let order = events.withLock { $0 }
        func position(_ event: String) -> Int { order.firstIndex(of: event) ?? -1 }
        #expect(order.count == 7)
        for written in ["first written", "second written"] {
            #expect(position(written) > position("first write done"))
            #expect(position(written) < position("fdatasync done"))
        }
        for result in ["first result", "second result"] {
            #expect(position(result) > position("fdatasync done"))
        }
        #expect(fixture.writer.statistics.fdatasyncs == 1)
    }

    /// A plain (acks=1) append is written and answered at the same moment, with no fdatasync.
    @Test func plainAppendIsAnsweredWhenWritten() async throws {
        defer { fixture.finish() }
        let pending = try fixture.log.submitAppendAsLeader(batch(3), leaderEpoch: 0, now: 1_000, durable: false)
        let write = try await fixture.ring.operation(Self.isWrite)
        #expect(!write.sync)
        fixture.ring.complete(write.id)
        let written = try await pending.written()
        let result = try await pending.result()
        #expect(written == result && result.lastOffset == 1)
        #expect(fixture.writer.statistics.fdatasyncs == 0)
    }

    /// A failed write fails both moments, moves nothing and takes the log dir offline.
    @Test func failedWriteFailsWrittenAndResult() async throws {
        defer { fixture.finish() }
        let pending = try fixture.log.submitAppendAsLeader(batch(4), leaderEpoch: 0, now: 1_000, durable: true)
        let write = try await fixture.ring.operation(Self.isWrite)
        fixture.ring.complete(write.id, failing: ENOSPC)
        await #expect(throws: LogError.self) { try await pending.written() }
        await #expect(throws: LogError.self) { try await pending.result() }
        do {
            _ = try await pending.result()
        } catch {
            #expect(error.code == .storage)
        }
        #expect(fixture.log.logEndOffset == 0)
        #expect(fixture.log.logDirectory.isOffline)
    }

    /// A write that succeeded whose fdatasync fails: `written()` returned (a reader may see the batch),
    /// `result()` fails, the recovery point stays, the log dir goes offline and later appends are refused.
    @Test func failedFdatasyncAfterASuccessfulWriteFailsOnlyTheResult() async throws {
        defer { fixture.finish() }
        let pending = try fixture.log.submitAppendAsLeader(batch(5), leaderEpoch: 0, now: 1_000, durable: true)
        let write = try await fixture.ring.operation(Self.isWrite)
        fixture.ring.complete(write.id)
        let written = try await pending.written()
        #expect(written.firstOffset == 0)
        #expect(try readAllHeaders(fixture.log, from: 0).map(\.baseOffset) == [0])

        let sync = try await fixture.ring.operation(Self.isSync)
        fixture.ring.complete(sync.id, failing: EIO)
        do {
            _ = try await pending.result()
            Issue.record("result() succeeded although the fdatasync failed")
        } catch {
            #expect(error.code == .storage)
        }
        #expect(fixture.log.recoveryPoint == 0)
        #expect(fixture.log.logEndOffset == 2)
        #expect(fixture.log.logDirectory.isOffline)
        #expect(throws: LogError.self) { try fixture.log.submitAppendAsLeader(batch(6), leaderEpoch: 0, now: 1_000, durable: true) }
    }
}
