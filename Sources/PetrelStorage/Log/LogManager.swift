import Glibc
import Logging

/// All partition logs of a broker, spread over `log.dirs`, sharing one I/O thread and ring so appends
/// of many partitions are submitted together (group commit).
///
/// Lifecycle: `init` opens every log dir (a dir that cannot be created or read is an error naming it),
/// reads its checkpoints and the `.kafka_cleanshutdown` marker (then removes the marker, so a crash from
/// here on counts as unclean), loads every `<topic>-<partition>` folder and starts removing leftover
/// `*-delete` folders. `shutdown()` flushes and closes every log, writes the checkpoints and the marker.
/// In between, the broker calls `checkpoint()`, `flushDirtyLogs(now:)` and `enforceRetention(now:)` on
/// its timers (`log.flush.offset.checkpoint.interval.ms`, `log.flush.scheduler.interval.ms`,
/// `log.retention.check.interval.ms`).
public final class LogManager: Sendable {
    public static let cleanShutdownMarker = ".kafka_cleanshutdown"
    public let config: LogManagerConfig
    public let logDirectories: [LogDirectory]
    private let writer: LogWriter
    private let logger: Logger
    private let logs = Locked<[OffsetCheckpointFile.Key: PartitionLog]>([:])

    /// The engine in use (`sync` after an io_uring fallback).
    public var ioEngine: IOEngine { writer.engine }
    /// Counters of the I/O thread (group-commit rounds, writes, fdatasyncs).
    public var ioStatistics: IOStatistics { writer.statistics }

    public init(config: LogManagerConfig, logger: Logger) throws(LogError) {
        self.config = config
        self.logger = logger
        guard !config.logDirs.isEmpty else { throw LogError(.logDirUnavailable, "log.dirs is empty") }
        do {
            writer = try LogWriter(
                engine: config.ioEngine, logger: logger, syncInterval: config.syncInterval,
                simulateUnavailable: config.simulateURingUnavailable)
        } catch {
            throw LogError(.storage, "cannot start the log I/O engine: \(error)")
        }
        var directories: [LogDirectory] = []
        var loaded: [OffsetCheckpointFile.Key: PartitionLog] = [:]
        for path in config.logDirs {
            do throws(LogError) {
                try FileSystem.makeDirectory(path)
                guard FileSystem.isDirectory(path), access(path, R_OK | W_OK | X_OK) == 0 else {
                    throw LogError(.logDirUnavailable, "not a writable directory")
                }
                let directory = LogDirectory(path: path)
                let recoveryPoints = try OffsetCheckpointFile.read(path + "/" + OffsetCheckpointFile.recoveryPoints)
                let startOffsets = try OffsetCheckpointFile.read(path + "/" + OffsetCheckpointFile.logStartOffsets)
                let cleanerOffsets = try OffsetCheckpointFile.read(path + "/" + OffsetCheckpointFile.cleanerOffsets)
                let clean = FileSystem.exists(path + "/" + Self.cleanShutdownMarker)
                for name in try FileSystem.list(path) where FileSystem.isDirectory(path + "/" + name) {
                    if name.hasSuffix("-delete") {
                        Self.removeInBackground(path + "/" + name)
                        continue
                    }
                    guard let key = Self.parseFolder(name) else { continue }
                    let log = try PartitionLog(
                        topic: key.topic, partition: key.partition, logDirectory: directory,
                        config: config.defaultLogConfig, writer: writer, recoveryPoint: recoveryPoints[key] ?? 0,
                        logStartOffset: startOffsets[key] ?? 0, cleanShutdown: clean, logger: logger)
                    if let firstDirty = cleanerOffsets[key] { log.restoreFirstDirtyOffset(firstDirty) }
                    loaded[key] = log
                }
                FileSystem.remove(path + "/" + Self.cleanShutdownMarker)
                FileSystem.syncDirectory(path)
                logger.info("loaded log dir", metadata: ["petrel_log_dir": "\(path)", "petrel_clean_shutdown": "\(clean)"])
                directories.append(directory)
            } catch {
                writer.shutdown()
                throw LogError(.logDirUnavailable, "log dir \(path) cannot be opened: \(error.detail)")
            }
        }
        logDirectories = directories
        logs.withLock { $0 = loaded }
    }

    /// `<topic>-<partition>`: the topic may itself contain '-', the partition is after the last one.
    static func parseFolder(_ name: String) -> OffsetCheckpointFile.Key? {
        guard let dash = name.lastIndex(of: "-"), let partition = Int32(name[name.index(after: dash)...]), partition >= 0
        else { return nil }
        let topic = String(name[..<dash])
        return topic.isEmpty ? nil : OffsetCheckpointFile.Key(topic: topic, partition: partition)
    }

    public func log(topic: String, partition: Int32) -> PartitionLog? {
        logs.withLock { $0[OffsetCheckpointFile.Key(topic: topic, partition: partition)] }
    }

    public var allLogs: [PartitionLog] { logs.withLock { Array($0.values) } }

    /// Returns the existing log or creates it in the online log dir holding the fewest partitions.
    public func createLog(topic: String, partition: Int32, config overrides: LogConfig? = nil) throws(LogError) -> PartitionLog {
        let key = OffsetCheckpointFile.Key(topic: topic, partition: partition)
        return try logs.withLock { logs throws(LogError) -> PartitionLog in
            if let existing = logs[key] { return existing }
            let online = logDirectories.filter { !$0.isOffline }
            // Counting is O(partitions): skip it when there is no choice (creating 10,000 logs stays linear).
            let counts = online.count > 1 ? Dictionary(grouping: logs.values, by: { $0.logDirectory.path }).mapValues(\.count) : [:]
            guard let directory = online.min(by: { counts[$0.path, default: 0] < counts[$1.path, default: 0] })
            else { throw LogError(.logDirOffline, "no online log dir for \(topic)-\(partition)") }
            let log = try PartitionLog(
                topic: topic, partition: partition, logDirectory: directory, config: overrides ?? config.defaultLogConfig,
                writer: writer, recoveryPoint: 0, logStartOffset: 0, cleanShutdown: true, logger: logger)
            logs[key] = log
            return log
        }
    }

    /// Deletes a partition: renames its folder to `<topic>-<partition>.<uuid>-delete` (so a restart never
    /// loads it again) and removes the files in the background. Open fds stay valid for reads in flight.
    public func deleteLog(topic: String, partition: Int32) async throws(LogError) {
        let key = OffsetCheckpointFile.Key(topic: topic, partition: partition)
        guard let log = logs.withLock({ $0.removeValue(forKey: key) }) else {
            throw LogError(.notFound, "no log for \(topic)-\(partition)")
        }
        await log.waitUntilIdle()
        log.markDeleted()
        var random = SystemRandomNumberGenerator()
        let uuid = (0..<2).map { _ in String(random.next() as UInt64, radix: 16) }.joined()
        let target = "\(log.logDirectory.path)/\(topic)-\(partition).\(uuid)-delete"
        try FileSystem.rename(log.directory, target)
        FileSystem.syncDirectory(log.logDirectory.path)
        Self.removeInBackground(target)
    }

    private static func removeInBackground(_ path: String) {
        Task.detached(priority: .background) { FileSystem.removeTree(path) }
    }

    /// Writes `recovery-point-offset-checkpoint`, `log-start-offset-checkpoint` and
    /// `cleaner-offset-checkpoint` in every online dir. The broker calls it every
    /// `log.flush.offset.checkpoint.interval.ms` and at shutdown: after a crash, recovery rescans only what
    /// lies above the checkpointed recovery points, and the cleaner resumes at its checkpointed offsets.
    public func checkpoint() throws(LogError) {
        let all = logs.withLock { $0 }
        for directory in logDirectories where !directory.isOffline {
            var recovery: [OffsetCheckpointFile.Key: Int64] = [:]
            var start: [OffsetCheckpointFile.Key: Int64] = [:]
            var cleaner: [OffsetCheckpointFile.Key: Int64] = [:]
            for (key, log) in all where log.logDirectory === directory {
                recovery[key] = log.recoveryPoint
                start[key] = log.logStartOffset
                let firstDirty = log.firstDirtyOffset
                if firstDirty > 0 { cleaner[key] = firstDirty }
            }
            try OffsetCheckpointFile.write(recovery, to: directory.path + "/" + OffsetCheckpointFile.recoveryPoints)
            try OffsetCheckpointFile.write(start, to: directory.path + "/" + OffsetCheckpointFile.logStartOffsets)
            try OffsetCheckpointFile.write(cleaner, to: directory.path + "/" + OffsetCheckpointFile.cleanerOffsets)
        }
    }

    /// Applies each log's `flush.messages` / `flush.ms`; call every `log.flush.scheduler.interval.ms`.
    public func flushDirtyLogs(now: Int64) {
        for log in allLogs { log.flushIfDue(now: now) }
    }

    /// Applies retention to every log; call every `log.retention.check.interval.ms`. Returns segments deleted.
    @discardableResult
    public func enforceRetention(now: Int64) -> Int {
        allLogs.reduce(0) { $0 + $1.enforceRetention(now: now) }
    }

    /// Clean shutdown: flushes and closes every log, writes checkpoints, then `.kafka_cleanshutdown` in
    /// every online log dir, and stops the I/O thread.
    public func shutdown() async throws(LogError) {
        var firstError = await Self.close(allLogs)
        do throws(LogError) { try checkpoint() } catch { firstError = firstError ?? error }
        if firstError == nil {
            for directory in logDirectories where !directory.isOffline {
                try FileSystem.writeAtomically(directory.path + "/" + Self.cleanShutdownMarker, [])
            }
        }
        writer.shutdown()
        if let firstError { throw firstError }
    }

    /// Logs closed at once by `shutdown()`. One at a time, each close waited for its own fdatasyncs (data,
    /// indexes, snapshot): 24 s for 10,000 partitions. Together their syncs share the ring's rounds and
    /// run in parallel in the kernel; the bound caps the index and snapshot descriptors opened for them.
    static let closeConcurrency = 64

    /// Closes every log, `closeConcurrency` at a time; returns the first error (the others still close).
    private static func close(_ logs: [PartitionLog]) async -> LogError? {
        await withTaskGroup(of: LogError?.self) { group in
            var firstError: LogError?
            var remaining = logs.makeIterator()
            func closeNext() -> Bool {
                guard let log = remaining.next() else { return false }
                group.addTask {
                    do throws(LogError) { try await log.close() } catch { return error }
                    return nil
                }
                return true
            }
            for _ in 0..<closeConcurrency where !closeNext() { break }
            while let error = await group.next() {
                firstError = firstError ?? error
                _ = closeNext()
            }
            return firstError
        }
    }

    /// Test hook standing in for a crash: stops the I/O thread without flushing, checkpointing or writing
    /// the clean-shutdown marker (what was written stays in the page cache, as after kill -9).
    func abandonForTesting() {
        writer.shutdown()
    }
}
