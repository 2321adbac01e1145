import Logging
import NIOConcurrencyHelpers

/// The broker's log cleaner: a thread of its own (compaction reads and writes whole segments with
/// blocking I/O) that runs `LogManager.cleanLogs` and then sleeps `backoff` (`log.cleaner.backoff.ms`),
/// until `shutdown`.
public final class LogCleanerThread: Sendable {
    private enum Phase: Equatable { case running, stopping, stopped }

    /// The thread sleeps on it while `.running`; `shutdown` sets `.stopping` and waits for `.stopped`.
    private let phase = ConditionLock<Phase>(value: .running)
    private let shutdownRequested = Locked(false)

    /// `now`: wall-clock milliseconds (record timestamps are compared with it).
    public init(logManager: LogManager, backoff: Duration, now: @escaping @Sendable () -> Int64, logger: Logger) {
        let seconds = Double(backoff.components.seconds) + Double(backoff.components.attoseconds) / 1e18
        startThread { [phase] in
            while true {
                do {
                    try logManager.cleanLogs(now: now())
                } catch {
                    logger.error("log cleaner pass failed", metadata: ["petrel_error": "\(error)"])
                }
                // Wakes early only for shutdown.
                if phase.lock(whenValue: .stopping, timeoutSeconds: seconds) { break }
            }
            phase.unlock(withValue: .stopped)
        }
    }

    /// Lets a running pass finish, then stops the thread. Later calls return at once.
    public func shutdown() {
        let first = shutdownRequested.withLock { requested in
            defer { requested = true }
            return !requested
        }
        guard first else { return }
        phase.lock()
        phase.unlock(withValue: .stopping)
        phase.lock(whenValue: .stopped)
        phase.unlock()
    }
}
