import Glibc
import Logging
import NIOCore
import PetrelProtocol
@testable import PetrelStorage
import Testing

/// One record as a consumer sees it.
private struct Consumed: Hashable {
    var offset: Int64
    var key: String?
    var value: String?
    var timestamp: Int64
}

/// Builds keyed record batches and reads a log back record by record.
private enum Records {
    static func batch(
        _ records: [(key: String?, value: String?)], timestamp: Int64, compression: CompressionCodec = .none,
        baseOffset: Int64 = 0, producerId: Int64 = -1, isTransactional: Bool = false
    ) throws -> ByteBuffer {
        var builder = RecordBatchBuilder(
            baseOffset: baseOffset, compression: compression, producerId: producerId, producerEpoch: producerId >= 0 ? 0 : -1,
            baseSequence: producerId >= 0 ? 0 : -1, isTransactional: isTransactional)
        for (index, record) in records.enumerated() {
            builder.append(
                key: record.key.map { ByteBuffer(string: $0) }, value: record.value.map { ByteBuffer(string: $0) },
                timestamp: timestamp + Int64(index))
        }
        return try builder.build()
    }

    /// Every data record from the log start offset to the log end offset (CRCs verified), and the base
    /// offsets of control batches.
    static func consume(_ log: PartitionLog) throws -> (records: [Consumed], controlBatches: [Int64]) {
        var records: [Consumed] = []
        var control: [Int64] = []
        var next = log.logStartOffset
        while next < log.logEndOffset {
            let buffer = try log.readBuffer(from: next, maxBytes: 1 << 20, minOneBatch: true)
            var iterator = RecordBatchIterator(buffer)
            var advanced = false
            while let (_, bytes) = try iterator.next() {
                let batch = try RecordBatch(bytes)
                try batch.verifyChecksum()
                next = batch.header.nextOffset
                advanced = true
                if batch.header.attributes.contains(.control) {
                    control.append(batch.header.baseOffset)
                    continue
                }
                var recordIterator = try batch.records(maxDecompressedBytes: 1 << 24)
                while let record = try recordIterator.next() {
                    records.append(Consumed(
                        offset: batch.offset(of: record), key: record.key.map { String(buffer: $0) },
                        value: record.value.map { String(buffer: $0) }, timestamp: batch.timestamp(of: record)))
                }
            }
            try #require(advanced)
        }
        return (records, control)
    }

    /// The model of one cleaner pass: records below `cleanableEnd` keep only the latest of each key, minus
    /// tombstones older than `now - deleteRetention`; records from `cleanableEnd` on are untouched. A
    /// segment's last batch (`lastBatches`) that would lose every record keeps its newest one.
    static func compact(
        _ records: [Consumed], cleanableEnd: Int64, now: Int64, deleteRetention: Int64, lastBatches: [ClosedRange<Int64>]
    ) -> [Consumed] {
        var latest: [String: Int64] = [:]
        for record in records where record.offset < cleanableEnd {
            if let key = record.key { latest[key] = record.offset }
        }
        var kept = records.filter { record in
            guard record.offset < cleanableEnd else { return true }
            if let key = record.key, latest[key] != record.offset { return false }
            return record.value != nil || record.timestamp >= now - deleteRetention
        }
        for batch in lastBatches where !kept.contains(where: { batch.contains($0.offset) }) {
            if let newest = records.last(where: { batch.contains($0.offset) }) { kept.append(newest) }
        }
        return kept.sorted { $0.offset < $1.offset }
    }

    /// The offset range of the last batch of every segment that ends at or below `cleanableEnd`.
    static func lastBatches(of log: PartitionLog, cleanableEnd: Int64) throws -> [ClosedRange<Int64>] {
        try log.segmentBaseOffsets.dropFirst().filter { $0 <= cleanableEnd }.map { nextBase in
            let bytes = try log.readBuffer(from: nextBase - 1, maxBytes: 1, minOneBatch: true)
            let header = try #require(try BatchFactory.headers(in: bytes).first)
            return header.baseOffset...header.lastOffset
        }
    }
}

private func fileSize(_ path: String) -> Int64 {
    var info = stat()
    return stat(path, &info) == 0 ? Int64(info.st_size) : -1
}

@Suite struct LogCleanerTests {
    let logger = Logger(label: "test")

    private func compactConfig(_ path: String, _ configure: (inout LogConfig) -> Void = { _ in }) -> LogManagerConfig {
        .test(path) { config in
            config.cleanupPolicy = [.compact]
            config.segmentBytes = 2048
            config.indexIntervalBytes = 200
            config.minCleanableDirtyRatio = 0
            config.deleteRetention = .seconds(100)
            config.retention = .milliseconds(1)  // ignored without .delete in cleanup.policy
            configure(&config)
        }
    }

    @Test func compactionMatchesTheModelAndTombstonesExpireAfterDeleteRetention() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let config = compactConfig(directory.path)
        var manager = try LogManager(config: config, logger: logger)
        var log = try manager.createLog(topic: "compacted", partition: 0)
        var random = SeededRandom(seed: 0xC1EA_4E4)
        var model: [Consumed] = []
        var clock: Int64 = 1_000_000
        let codecs: [CompressionCodec] = [.none, .lz4, .zstd, .snappy, .gzip]

        func appendRandom(_ count: Int) async throws {
            for _ in 0..<count {
                let records = (0..<Int.random(in: 1...4, using: &random)).map { _ -> (key: String?, value: String?) in
                    let key = "k\(Int.random(in: 0..<25, using: &random))"
                    let value: String? = Int.random(in: 0..<6, using: &random) == 0 ? nil : "v\(random.next() % 100_000)"
                    return (key, value)
                }
                let codec = codecs[Int.random(in: 0..<codecs.count, using: &random)]
                let info = try await log.appendAsLeader(
                    Records.batch(records, timestamp: clock, compression: codec), leaderEpoch: 0, now: clock)
                for (index, record) in records.enumerated() {
                    model.append(Consumed(
                        offset: info.firstOffset + Int64(index), key: record.key, value: record.value,
                        timestamp: clock + Int64(index)))
                }
                clock += 10
            }
        }

        try await appendRandom(300)
        #expect(log.segmentCount > 4)
        #expect(log.enforceRetention(now: clock + 1_000_000) == 0)
        let endBefore = log.logEndOffset
        let basesBefore = log.segmentBaseOffsets
        let activeBase = try #require(basesBefore.last)
        let activePath = log.directory + "/" + LogSegment.fileName(activeBase, ".log")
        let activeBytes = readWholeFile(activePath)
        let held = try log.read(from: 0, maxBytes: 1 << 20, minOneBatch: true)  // a fetch still being sent
        let heldSlice = try #require(held.slices.first)
        let heldBytes = try heldSlice.file.read(at: heldSlice.position, count: heldSlice.length)

        // First pass: tombstones are younger than delete.retention.ms and stay.
        let firstLastBatches = try Records.lastBatches(of: log, cleanableEnd: activeBase)
        let stats = try #require(try log.cleanIfNeeded(now: clock))
        #expect(stats.segmentsCleaned == basesBefore.count - 1)
        #expect(stats.cleanedUpTo == activeBase)
        #expect(stats.recordsRemoved > 0)
        #expect(stats.bytesWritten < stats.bytesRead)
        model = Records.compact(
            model, cleanableEnd: activeBase, now: clock, deleteRetention: 100_000, lastBatches: firstLastBatches)
        #expect(model.contains { $0.value == nil && $0.offset < activeBase })
        #expect(try Records.consume(log).records == model)
        #expect(log.logEndOffset == endBefore)
        #expect(log.segmentBaseOffsets == basesBefore)
        #expect(readWholeFile(activePath) == activeBytes)  // the active segment is never touched
        #expect(log.firstDirtyOffset == activeBase)
        // The fetch taken before the swap still reads the old segment through its handle.
        #expect(try heldSlice.file.read(at: heldSlice.position, count: heldSlice.length) == heldBytes)
        #expect(try log.readBuffer(from: 0, maxBytes: 1 << 20, minOneBatch: true) != heldBytes)

        // Every offset of the model is still found by the (rebuilt) index.
        for record in model.prefix(while: { $0.offset < activeBase }) {
            let batch = try log.readBuffer(from: record.offset, maxBytes: 1, minOneBatch: true)
            let header = try #require(try BatchFactory.headers(in: batch).first)
            #expect(header.baseOffset <= record.offset && record.offset <= header.lastOffset)
        }

        // Appends carry on; a later pass, past delete.retention.ms, removes the tombstones too.
        try await appendRandom(100)
        clock += 200_000
        let secondEnd = try #require(log.segmentBaseOffsets.last)
        let secondLastBatches = try Records.lastBatches(of: log, cleanableEnd: secondEnd)
        _ = try #require(try log.cleanIfNeeded(now: clock))
        model = Records.compact(
            model, cleanableEnd: secondEnd, now: clock, deleteRetention: 100_000, lastBatches: secondLastBatches)
        // Expired tombstones are gone, except one kept as the newest record of a segment's last batch.
        #expect(!model.contains { record in
            record.value == nil && record.offset < secondEnd && !secondLastBatches.contains { $0.contains(record.offset) }
        })
        #expect(try Records.consume(log).records == model)

        // The compacted log survives a restart byte for byte.
        try await manager.shutdown()
        manager = try LogManager(config: config, logger: logger)
        log = try #require(manager.log(topic: "compacted", partition: 0))
        #expect(try Records.consume(log).records == model)
        let names = try FileSystem.list(log.directory)
        #expect(!names.contains { $0.hasSuffix(".cleaned") || $0.hasSuffix(".swap") })
        try await manager.shutdown()
    }

    @Test func controlAndTransactionalBatchesArePreservedAsTheyAre() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(
            config: compactConfig(directory.path) { $0.segmentBytes = 1 << 20; $0.segmentRollInterval = .seconds(1) }, logger: logger)
        let log = try manager.createLog(topic: "txn", partition: 0)
        var originals: [Int64: ByteBuffer] = [:]
        func follow(_ batch: ByteBuffer, now: Int64 = 0) async throws {
            originals[log.logEndOffset] = batch
            _ = try await log.appendAsFollower(batch, now: now)
        }
        try await follow(Records.batch([("a", "1"), ("b", "1")], timestamp: 10, baseOffset: 0))
        try await follow(Records.batch([("a", "txn")], timestamp: 11, baseOffset: 2, producerId: 7, isTransactional: true))
        try await follow(EndTransactionMarker(type: .commit, coordinatorEpoch: 3).batch(
            producerId: 7, producerEpoch: 0, timestamp: 12, baseOffset: 3))
        try await follow(Records.batch([("a", "2"), ("b", nil)], timestamp: 13, baseOffset: 4))
        try await follow(Records.batch([("c", "1")], timestamp: 14, baseOffset: 6), now: 10_000)  // segment.ms rolls
        #expect(log.segmentBaseOffsets == [0, 6])

        let passes = try manager.cleanLogs(now: 20)
        let stats = try #require(passes.first)
        #expect(passes.count == 1)
        #expect(stats.recordsRemoved == 2)  // a=1, b=1: superseded by a=2, b=null (the tombstone stays)
        let (records, control) = try Records.consume(log)
        #expect(records.map(\.offset) == [2, 4, 5, 6])
        #expect(records.map(\.value) == ["txn", "2", nil, "1"])
        #expect(control == [3])
        for offset in [Int64(2), 3] {  // byte for byte
            #expect(try log.readBuffer(from: offset, maxBytes: 1, minOneBatch: true) == originals[offset])
        }
        try await manager.shutdown()
    }

    @Test func dirtyRatioCompactionLagAndPolicyGateThePasses() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(
            config: compactConfig(directory.path) { $0.minCleanableDirtyRatio = 0.5; $0.segmentBytes = 1024 }, logger: logger)
        let log = try manager.createLog(topic: "ratio", partition: 0)
        var firstDirty: Int64 = 0
        var passes = 0
        for index in 0..<200 {
            // Unique keys: nothing is removed, so segment sizes stay what the test measures.
            _ = try await log.appendAsLeader(
                Records.batch([("key-\(index)", "value")], timestamp: 100), leaderEpoch: 0, now: 100)
            let bases = log.segmentBaseOffsets
            let sizes = bases.dropLast().map { fileSize(log.directory + "/" + LogSegment.fileName($0, ".log")) }
            let ends = Array(bases.dropFirst())
            let total = sizes.reduce(0, +)
            let dirty = zip(sizes, ends).filter { $0.1 > firstDirty }.reduce(Int64(0)) { $0 + $1.0 }
            let due = total > 0 && Double(dirty) / Double(total) >= 0.5
            #expect(try log.cleanIfNeeded(now: 50) == nil)  // min.compaction.lag: records newer than now
            let stats = try log.cleanIfNeeded(now: 1_000)
            #expect((stats != nil) == due, "append \(index): dirty \(dirty) of \(total)")
            if let stats {
                #expect(stats.recordsRemoved == 0 && stats.bytesWritten == total)
                firstDirty = try #require(bases.last)
                passes += 1
            }
        }
        #expect(passes >= 3)

        let deleteOnly = try manager.createLog(
            topic: "delete-only", partition: 0, config: { var config = log.config; config.cleanupPolicy = [.delete]; return config }())
        for _ in 0..<20 {
            _ = try await deleteOnly.appendAsLeader(Records.batch([("k", "v")], timestamp: 100), leaderEpoch: 0, now: 100)
        }
        #expect(deleteOnly.segmentCount > 1)
        #expect(try deleteOnly.cleanIfNeeded(now: 1_000) == nil)
        try await manager.shutdown()
    }

    @Test func minCompactionLagLeavesYoungSegmentsDirty() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(
            config: compactConfig(directory.path) { $0.minCompactionLag = .seconds(10); $0.segmentBytes = 1024 }, logger: logger)
        let log = try manager.createLog(topic: "lag", partition: 0)
        for index in 0..<60 {
            let timestamp = Int64(index) * 1_000
            _ = try await log.appendAsLeader(Records.batch([("same", "v\(index)")], timestamp: timestamp), leaderEpoch: 0, now: timestamp)
        }
        let bases = log.segmentBaseOffsets
        #expect(bases.count > 3)
        // now = 40 s: only segments whose newest record is at or before 30 s are cleanable.
        let lastBatches = try Records.lastBatches(of: log, cleanableEnd: try #require(bases.last { $0 <= 31 }))
        let stats = try #require(try log.cleanIfNeeded(now: 40_000))
        // Segment [b, next) is cleanable when its last record (offset next - 1, at (next - 1) s) is <= 30 s.
        let expectedEnd = try #require(bases.last { $0 <= 31 })
        #expect(expectedEnd > 0 && expectedEnd < bases[bases.count - 1])
        #expect(stats.cleanedUpTo == expectedEnd)
        var model = (0..<60).map { Consumed(offset: Int64($0), key: "same", value: "v\($0)", timestamp: Int64($0) * 1_000) }
        model = Records.compact(model, cleanableEnd: expectedEnd, now: 40_000, deleteRetention: 100_000, lastBatches: lastBatches)
        #expect(try Records.consume(log).records == model)
        try await manager.shutdown()
    }

    /// A crash after the `.cleaned` -> `.swap` rename (the commit point) and before the replace: the swap is
    /// completed on restart. Built by cleaning one copy of a log and planting its cleaned segments as
    /// `.swap` files (with stale or missing indexes and a leftover `.cleaned`) in an uncleaned copy.
    @Test func crashBetweenSwapRenameAndReplaceRecoversToTheCleanedLog() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let cleanedDir = directory.path + "/cleaned"
        let crashedDir = directory.path + "/crashed"
        try FileSystem.makeDirectory(cleanedDir)
        var manager = try LogManager(config: compactConfig(cleanedDir), logger: logger)
        var log = try manager.createLog(topic: "swap", partition: 0)
        for index in 0..<120 {
            let records: [(key: String?, value: String?)] = [("k\(index % 7)", "v\(index)"), ("k\(index % 5)", index % 9 == 0 ? nil : "w")]
            _ = try await log.appendAsLeader(Records.batch(records, timestamp: 1_000), leaderEpoch: 0, now: 1_000)
        }
        try await manager.shutdown()
        #expect(Glibc.system("cp -r '\(cleanedDir)' '\(crashedDir)'") == 0)

        manager = try LogManager(config: compactConfig(cleanedDir), logger: logger)
        log = try #require(manager.log(topic: "swap", partition: 0))
        let bases = log.segmentBaseOffsets
        let stats = try #require(try log.cleanIfNeeded(now: 2_000))
        #expect(stats.recordsRemoved > 100)
        let expected = try Records.consume(log)
        let folder = log.directory
        try await manager.shutdown()

        let crashedFolder = crashedDir + "/swap-0"
        for (position, base) in bases.dropLast().enumerated() {
            let cleaned = try #require(readWholeFile(folder + "/" + LogSegment.fileName(base, ".log")))
            try FileSystem.writeAtomically(crashedFolder + "/" + LogSegment.fileName(base, ".log.swap"), cleaned)
            if position == 1 { FileSystem.remove(crashedFolder + "/" + LogSegment.fileName(base, ".index")) }
        }
        try FileSystem.writeAtomically(crashedFolder + "/" + LogSegment.fileName(bases[0], ".log.cleaned"), [1, 2, 3])
        FileSystem.remove(crashedDir + "/.kafka_cleanshutdown")

        let recovered = try LogManager(config: compactConfig(crashedDir), logger: logger)
        let recoveredLog = try #require(recovered.log(topic: "swap", partition: 0))
        #expect(recoveredLog.segmentBaseOffsets == bases)
        let recoveredRecords = try Records.consume(recoveredLog)
        #expect(recoveredRecords.records == expected.records)
        #expect(recoveredRecords.controlBatches == expected.controlBatches)
        let names = try FileSystem.list(crashedFolder)
        #expect(!names.contains { $0.hasSuffix(".cleaned") || $0.hasSuffix(".swap") })
        for record in expected.records {
            let batch = try recoveredLog.readBuffer(from: record.offset, maxBytes: 1, minOneBatch: true)
            let header = try #require(try BatchFactory.headers(in: batch).first)
            #expect(header.baseOffset <= record.offset && record.offset <= header.lastOffset)
        }
        try await recovered.shutdown()
    }

    @Test func cleaningRunsBesideAppends() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: compactConfig(directory.path), logger: logger)
        let log = try manager.createLog(topic: "busy", partition: 0)
        let appender = Task {
            var model: [Consumed] = []
            for index in 0..<400 {
                let records: [(key: String?, value: String?)] = [("k\(index % 11)", "v\(index)"), ("k\(index % 3)", nil)]
                let info = try await log.appendAsLeader(Records.batch(records, timestamp: 1_000), leaderEpoch: 0, now: 1_000)
                model.append(Consumed(offset: info.firstOffset, key: records[0].key, value: records[0].value, timestamp: 1_000))
                model.append(Consumed(offset: info.firstOffset + 1, key: records[1].key, value: nil, timestamp: 1_001))
            }
            return model
        }
        // Passes while the appends run (how many overlap them is up to the scheduler), then one after.
        for _ in 0..<1_000_000 {
            _ = try log.cleanIfNeeded(now: 2_000)
            if log.logEndOffset >= 800 { break }
            await Task.yield()
        }
        let appended = try await appender.value
        _ = try log.cleanIfNeeded(now: 2_000)
        // Tombstones never expire here, so every earlier pass removed only what the last one would, except
        // that which record a segment's emptied last batch keeps depends on the passes it went through:
        // the log holds the strict compaction plus at most one record inside each such batch.
        let cleanableEnd = try #require(log.segmentBaseOffsets.last)
        let lastBatches = try Records.lastBatches(of: log, cleanableEnd: cleanableEnd)
        let strict = Records.compact(appended, cleanableEnd: cleanableEnd, now: 2_000, deleteRetention: 100_000, lastBatches: [])
        let consumed = try Records.consume(log).records
        #expect(Set(strict).isSubset(of: Set(consumed)))
        #expect(Set(consumed).isSubset(of: Set(appended)))
        let extra = Set(consumed).subtracting(strict)
        #expect(extra.allSatisfy { record in lastBatches.contains { $0.contains(record.offset) } })
        #expect(lastBatches.allSatisfy { batch in extra.filter { batch.contains($0.offset) }.count <= 1 })
        try await manager.shutdown()
    }

    /// Offsets rewritten after a truncation into the clean section are dirty again: otherwise a tombstone
    /// written there would expire without its key in the offset map, and the value it deleted would return.
    @Test func truncationIntoTheCleanSectionMakesItDirtyAgain() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(
            config: compactConfig(directory.path) { $0.segmentBytes = 1 << 20; $0.segmentRollInterval = .seconds(1) }, logger: logger)
        let log = try manager.createLog(topic: "truncated", partition: 0)
        _ = try await log.appendAsLeader(Records.batch([("a", "1")], timestamp: 0), leaderEpoch: 0, now: 0)
        _ = try await log.appendAsLeader(Records.batch([("b", "1")], timestamp: 0), leaderEpoch: 0, now: 0)
        _ = try await log.appendAsLeader(Records.batch([("c", "1")], timestamp: 0), leaderEpoch: 0, now: 10_000)
        _ = try #require(try log.cleanIfNeeded(now: 20))
        #expect(log.firstDirtyOffset == 2)
        try await log.truncate(to: 1)
        #expect(log.firstDirtyOffset == 1)
        _ = try await log.appendAsLeader(Records.batch([("a", nil)], timestamp: 0), leaderEpoch: 0, now: 0)
        _ = try await log.appendAsLeader(Records.batch([("d", "1")], timestamp: 0), leaderEpoch: 0, now: 20_000)
        #expect(log.segmentBaseOffsets == [0, 2])
        _ = try #require(try log.cleanIfNeeded(now: 200_000))  // the tombstone is past delete.retention.ms
        // "a"="1" is gone; the expired tombstone stays only as the newest record of segment 0's last batch.
        #expect(try Records.consume(log).records == [
            Consumed(offset: 1, key: "a", value: nil, timestamp: 0), Consumed(offset: 2, key: "d", value: "1", timestamp: 0),
        ])
        try await manager.shutdown()
    }

    @Test func corruptRecordsFailThePassWithoutTouchingTheLog() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(
            config: compactConfig(directory.path) { $0.segmentBytes = 1 << 20; $0.segmentRollInterval = .seconds(1) }, logger: logger)
        let log = try manager.createLog(topic: "bad", partition: 0)
        // A batch whose header and CRC are valid but whose record offset deltas go backwards.
        var builder = RecordBatchBuilder()
        builder.append(Record(offsetDelta: 0, timestampDelta: 0, key: ByteBuffer(string: "a"), value: nil), baseTimestamp: 5)
        var bad = try builder.build()
        bad.setInteger(Int32(1), at: RecordBatchHeader.Field.lastOffsetDelta)
        bad.setInteger(Int32(2), at: RecordBatchHeader.Field.recordCount)
        var second = ByteBuffer()
        Record(offsetDelta: 0, timestampDelta: 0, key: ByteBuffer(string: "a"), value: ByteBuffer(string: "x")).write(into: &second)
        bad.writeBuffer(&second)
        bad.setInteger(Int32(bad.readableBytes - RecordBatchHeader.logOverhead), at: RecordBatchHeader.Field.batchLength)
        RecordBatchHeader.sealCRC(in: &bad, at: 0)
        _ = try await log.appendAsLeader(bad, leaderEpoch: 0, now: 5)
        _ = try await log.appendAsLeader(Records.batch([("b", "1")], timestamp: 6), leaderEpoch: 0, now: 10_000)
        #expect(log.segmentCount == 2)
        let before = readWholeFile(log.directory + "/" + LogSegment.fileName(0, ".log"))
        #expect(throws: LogError.self) { try log.cleanIfNeeded(now: 10) }
        #expect(readWholeFile(log.directory + "/" + LogSegment.fileName(0, ".log")) == before)
        #expect(try !FileSystem.list(log.directory).contains { $0.hasSuffix(".cleaned") })
        #expect(log.firstDirtyOffset == 0)
        try await manager.shutdown()
    }
}

@Suite struct LogCleanerThreadTests {
    @Test func theThreadCompactsInTheBackgroundAndStopsOnShutdown() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path) { config in
            config.cleanupPolicy = [.compact]
            config.segmentBytes = 1024
            config.minCleanableDirtyRatio = 0
        }, logger: Logger(label: "test"))
        let log = try manager.createLog(topic: "background", partition: 0)
        for index in 0..<40 {
            _ = try await log.appendAsLeader(Records.batch([("same", "v\(index)")], timestamp: 0), leaderEpoch: 0, now: 0)
        }
        let sizeBefore = log.size
        let cleaner = LogCleanerThread(logManager: manager, backoff: .milliseconds(10), now: { 1_000 }, logger: Logger(label: "test"))
        for _ in 0..<500 where log.size == sizeBefore { try await Task.sleep(for: .milliseconds(10)) }
        cleaner.shutdown()
        cleaner.shutdown()
        #expect(log.size < sizeBefore)
        try await manager.shutdown()
    }
}

@Suite struct CleanerCheckpointTests {
    @Test func firstDirtyOffsetIsCheckpointedAndRestoredNeverPastTheLogEnd() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let config = LogManagerConfig.test(directory.path) { config in
            config.cleanupPolicy = [.compact]
            config.segmentBytes = 1024
            config.minCleanableDirtyRatio = 0
        }
        var manager = try LogManager(config: config, logger: Logger(label: "test"))
        var log = try manager.createLog(topic: "checkpointed", partition: 0)
        for index in 0..<40 {
            _ = try await log.appendAsLeader(Records.batch([("k\(index % 4)", "v\(index)")], timestamp: 0), leaderEpoch: 0, now: 0)
        }
        _ = try #require(try log.cleanIfNeeded(now: 1_000))
        let firstDirty = log.firstDirtyOffset
        #expect(firstDirty > 0)
        try await manager.shutdown()

        manager = try LogManager(config: config, logger: Logger(label: "test"))
        log = try #require(manager.log(topic: "checkpointed", partition: 0))
        #expect(log.firstDirtyOffset == firstDirty)
        try await manager.shutdown()

        // A checkpoint beyond the log end (the log lost its tail) resumes at the log end.
        try OffsetCheckpointFile.write(
            [OffsetCheckpointFile.Key(topic: "checkpointed", partition: 0): 1_000_000],
            to: directory.path + "/" + OffsetCheckpointFile.cleanerOffsets)
        manager = try LogManager(config: config, logger: Logger(label: "test"))
        log = try #require(manager.log(topic: "checkpointed", partition: 0))
        #expect(log.firstDirtyOffset == log.logEndOffset)
        try await manager.shutdown()
    }
}
