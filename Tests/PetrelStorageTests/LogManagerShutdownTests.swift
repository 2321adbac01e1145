import Glibc
import Logging
@testable import PetrelStorage
import Testing

/// Clean shutdown closes every partition (data, indexes and producer snapshot fdatasync'ed), then writes
/// the checkpoints, then the clean-shutdown marker, which a failed close withholds.
@Suite struct LogManagerShutdownTests {
    let logger = Logger(label: "test")
    static let partitions = 300

    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    @Test func shutdownSyncsEveryPartitionThenCheckpointsAndWritesTheMarker() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let config = LogManagerConfig.test(directory.path) { $0.indexIntervalBytes = 100 }
        let manager = try LogManager(config: config, logger: logger)
        var endOffsets: [Int32: Int64] = [:]
        for partition in 0..<Int32(Self.partitions) {
            let log = try manager.createLog(topic: "t", partition: partition)
            for _ in 0...(partition % 4) {
                let batch = BatchFactory.batch(records: 2, payload: [UInt8](repeating: 1, count: 200))
                _ = try await log.appendAsLeader(batch, leaderEpoch: 0, now: 0, durable: false)
            }
            endOffsets[partition] = log.logEndOffset
        }
        let syncsBefore = manager.ioStatistics.fdatasyncs
        try await manager.shutdown()

        // Each partition's log, offset index, time index and snapshot went through the ring's fdatasync.
        #expect(manager.ioStatistics.fdatasyncs - syncsBefore >= 4 * Self.partitions)
        #expect(FileSystem.exists(directory.path + "/" + LogManager.cleanShutdownMarker))
        let recoveryPoints = try OffsetCheckpointFile.read(directory.path + "/" + OffsetCheckpointFile.recoveryPoints)
        #expect(recoveryPoints.count == Self.partitions)
        for (partition, endOffset) in endOffsets {
            #expect(recoveryPoints[OffsetCheckpointFile.Key(topic: "t", partition: partition)] == endOffset)
            let folder = directory.path + "/t-\(partition)/"
            let snapshot = folder + ProducerStateManager.snapshotName(endOffset)
            #expect(FileSystem.exists(snapshot) && !FileSystem.exists(snapshot + ".tmp"))
            // The active indexes were trimmed to their entries.
            let indexBytes = try #require(Self.fileSize(folder + LogSegment.fileName(0, ".index")))
            #expect(indexBytes == (partition % 4 == 0 ? 0 : 8 * Int64(partition % 4)))
        }

        let reopened = try LogManager(config: config, logger: logger)
        #expect(reopened.allLogs.count == Self.partitions)
        for log in reopened.allLogs { #expect(log.logEndOffset == endOffsets[log.partition]) }
        try await reopened.shutdown()
    }

    @Test func aFailedCloseWithholdsTheMarkerButTheOtherPartitionsAreClosed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path), logger: logger)
        for partition in 0..<Int32(20) {
            let log = try manager.createLog(topic: "t", partition: partition)
            _ = try await log.appendAsLeader(
                BatchFactory.batch(payload: [UInt8](repeating: 2, count: 100)), leaderEpoch: 0, now: 0, durable: false)
        }
        FileSystem.removeTree(directory.path + "/t-7")  // its snapshot cannot be written

        await #expect(throws: LogError.self) { try await manager.shutdown() }
        #expect(!FileSystem.exists(directory.path + "/" + LogManager.cleanShutdownMarker))
        for partition in 0..<20 where partition != 7 {
            #expect(FileSystem.exists(directory.path + "/t-\(partition)/" + ProducerStateManager.snapshotName(1)))
        }
    }
}
