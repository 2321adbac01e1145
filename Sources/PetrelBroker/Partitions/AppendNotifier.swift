import NIOCore
import Synchronization

/// Wakes long-polling fetches when any partition gets new data. Fetches read the `generation` before
/// reading the logs and wait only while it is unchanged, so an append between the read and the wait is
/// never missed.
final class AppendNotifier: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waiters whose timeout fired before they registered.
        var expired: Set<UInt64> = []
    }

    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    func notifyAll() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns after the next append following `generation`, or after `timeout`, whichever is first.
    /// The timeout is a timer on `eventLoop` (the connection's, where the fetch runs), not a sleeping
    /// Task: a `Task.sleep` per long poll cost a dispatch timer and wake-ups of the global executor's
    /// threads for every fetch, which at one fetch per produced batch was most of the broker's CPU.
    func wait(after generation: UInt64, timeout: Duration, on eventLoop: any EventLoop) async {
        let id = state.withLock { state in
            defer { state.nextWaiter &+= 1 }
            return state.nextWaiter
        }
        let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) { self.resume(id) }
        await withCheckedContinuation { continuation in
            let alreadyChanged = state.withLock { state in
                if state.generation != generation || state.expired.remove(id) != nil { return true }
                state.waiters[id] = continuation
                return false
            }
            if alreadyChanged { continuation.resume() }
        }
        timer.cancel()
        // The timer may have fired after an append woke this waiter; once cancelled it cannot fire again.
        state.withLock { _ = $0.expired.remove(id) }
    }

    private func resume(_ id: UInt64) {
        let waiter = state.withLock { state in
            guard let waiter = state.waiters.removeValue(forKey: id) else {
                state.expired.insert(id)
                return nil as CheckedContinuation<Void, Never>?
            }
            return waiter
        }
        waiter?.resume()
    }
}
