/// An append whose offsets are assigned and whose bytes are queued to the I/O thread
/// (`PartitionLog.submitAppendAsLeader`). Appends submitted one after another reach the log in that
/// order whatever order their results are awaited in, so a caller can queue appends in request order
/// and wait for them concurrently.
///
/// Two moments: `written()` (the bytes are in the file, readable below the log end offset: what the
/// high watermark may follow, as Kafka's does not wait for fsync) and `result()` (the append is
/// answered: written, and fdatasync'ed when it asked for durability). Both complete in offset order
/// per partition, `written()` never after `result()`.
public struct PendingAppend: Sendable {
    let written: AppendCompletion
    let done: AppendCompletion

    /// An append answered at submission (a duplicate): both moments are already there.
    init(completed completion: AppendCompletion) {
        written = completion
        done = completion
    }

    init(written: AppendCompletion, done: AppendCompletion) {
        self.written = written
        self.done = done
    }

    /// Waits until the bytes are written, before any fdatasync. Throws `.storage` if the write failed.
    ///
    /// A write that succeeded but whose fdatasync then fails returns here and fails `result()` (the log
    /// dir goes offline): a consumer may have read bytes the producer is told failed. Kafka has the same
    /// window between its high watermark and a failed flush.
    public func written() async throws(LogError) -> AppendInfo {
        try await written.value().get()
    }

    /// Waits until the bytes are written and, when the append asked for durability, fdatasync'ed (with
    /// everything before it). Throws `.storage` if the write or that fdatasync failed.
    public func result() async throws(LogError) -> AppendInfo {
        try await done.value().get()
    }
}

/// A result set once by the write path and awaited by any number of waiters.
final class AppendCompletion: Sendable {
    private enum Slot {
        case waiting([CheckedContinuation<Result<AppendInfo, LogError>, Never>])
        case done(Result<AppendInfo, LogError>)
    }

    private let slot: Locked<Slot>

    init() { slot = Locked(.waiting([])) }

    init(_ result: Result<AppendInfo, LogError>) { slot = Locked(.done(result)) }

    /// Sets the result and resumes the waiters; later calls are ignored.
    func complete(_ result: Result<AppendInfo, LogError>) {
        let waiters = slot.withLock { slot -> [CheckedContinuation<Result<AppendInfo, LogError>, Never>] in
            guard case .waiting(let waiters) = slot else { return [] }
            slot = .done(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// The result; returns without suspending when it is already set (a direct write completes its
    /// append before the handler awaits it, and a suspension costs a hop through the executor).
    func value() async -> Result<AppendInfo, LogError> {
        let done = slot.withLock { slot -> Result<AppendInfo, LogError>? in
            if case .done(let result) = slot { return result }
            return nil
        }
        if let done { return done }
        return await withCheckedContinuation { continuation in
            let ready = slot.withLock { slot -> Result<AppendInfo, LogError>? in
                switch slot {
                case .done(let result):
                    return result
                case .waiting(var waiters):
                    waiters.append(continuation)
                    slot = .waiting(waiters)
                    return nil
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
