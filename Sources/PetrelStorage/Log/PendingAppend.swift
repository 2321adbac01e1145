/// An append whose offsets are assigned and whose bytes are queued to the I/O thread
/// (`PartitionLog.submitAppendAsLeader`). Appends submitted one after another reach the log in that
/// order whatever order their results are awaited in, so a caller can queue appends in request order
/// and wait for them concurrently.
public struct PendingAppend: Sendable {
    let completion: AppendCompletion

    /// Waits until the bytes are written (and fdatasync'ed when the append asked for durability).
    /// Throws `.storage` if the write failed.
    public func result() async throws(LogError) -> AppendInfo {
        try await completion.value().get()
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

    func value() async -> Result<AppendInfo, LogError> {
        await withCheckedContinuation { continuation in
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
