import Glibc
import Logging
import NIOCore
import PetrelProtocol
@testable import PetrelStorage
import Testing

@Suite struct PartitionLogTests {
    let logger = Logger(label: "test")

    @Test func appendAssignsOffsetsAndReadReturnsPatchedBatches() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path), logger: logger)
        let log = try manager.createLog(topic: "orders", partition: 0)
        let first = try await log.appendAsLeader(
            BatchFactory.concat([BatchFactory.batch(records: 3, payload: [1, 2, 3]), BatchFactory.batch(records: 2, payload: [4])]),
            leaderEpoch: 7, now: 5_000)
        #expect(first.firstOffset == 0)
        #expect(first.lastOffset == 4)
        #expect(first.logAppendTime == -1)
        #expect(first.recordCount == 5)
        let second = try await log.appendAsLeader(BatchFactory.batch(records: 1, payload: [9], timestamp: 2_000), leaderEpoch: 7, now: 5_000)
        #expect(second.firstOffset == 5)
        #expect(log.logEndOffset == 6)
        #expect(log.recoveryPoint == 6)  // durable acks on by default

        let read = try log.read(from: 3, maxBytes: 1 << 20, minOneBatch: true)
        #expect(read.firstBatchBaseOffset == 3)
        #expect(read.nextOffset == 6)
        #expect(read.slices.count == 1)
        let bytes = try log.readBuffer(from: 0, maxBytes: 1 << 20, minOneBatch: true)
        let headers = try BatchFactory.headers(in: bytes)
        #expect(headers.map(\.baseOffset) == [0, 3, 5])
        #expect(headers.allSatisfy { $0.partitionLeaderEpoch == 7 })
        // maxOffset (the high watermark) is exclusive, maxBytes limits whole batches.
        #expect(try log.read(from: 0, maxBytes: 1 << 20, maxOffset: 5, minOneBatch: true).nextOffset == 5)
        #expect(try log.read(from: 0, maxBytes: 10, minOneBatch: false).slices.isEmpty)
        #expect(try log.read(from: 0, maxBytes: 10, minOneBatch: true).nextOffset == 3)
        #expect(try log.read(from: 6, maxBytes: 100, minOneBatch: true).slices.isEmpty)
        #expect(throws: LogError.self) { try log.read(from: 7, maxBytes: 100, minOneBatch: true) }
        try await manager.shutdown()
    }

    @Test func logAppendTimeRewritesMaxTimestampAndCRC() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path) { $0.messageTimestampType = .logAppendTime }, logger: logger)
        let log = try manager.createLog(topic: "t", partition: 0)
        let info = try await log.appendAsLeader(BatchFactory.batch(payload: [1], timestamp: 10), leaderEpoch: 0, now: 99_000)
        #expect(info.logAppendTime == 99_000)
        let header = try #require(try BatchFactory.headers(in: log.readBuffer(from: 0, maxBytes: 1000, minOneBatch: true)).first)
        #expect(header.maxTimestamp == 99_000)
        #expect(header.attributes.contains(.logAppendTime))
        try await manager.shutdown()
    }

    @Test func appendWritesAssignedHeadersFromASharedBufferStartingPastItsFirstByte() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path), logger: logger)
        let log = try manager.createLog(topic: "t", partition: 0)
        // Bytes before the reader index are not part of the append; the same buffer goes in twice.
        var shared = ByteBuffer(bytes: [0xEE, 0xEE, 0xEE])
        shared.writeImmutableBuffer(
            BatchFactory.concat([BatchFactory.batch(records: 2, payload: [1, 2]), BatchFactory.batch(records: 1, payload: [3, 4, 5])]))
        shared.moveReaderIndex(forwardBy: 3)
        _ = try await log.appendAsLeader(shared, leaderEpoch: 4, now: 0)
        _ = try await log.appendAsLeader(shared, leaderEpoch: 5, now: 0)
        #expect(try BatchFactory.headers(in: shared).map(\.baseOffset) == [0, 0])

        let bytes = try log.readBuffer(from: 0, maxBytes: 1 << 20, minOneBatch: true)
        let headers = try BatchFactory.headers(in: bytes)  // CRCs verified
        #expect(headers.map(\.baseOffset) == [0, 2, 3, 5])
        #expect(headers.map(\.partitionLeaderEpoch) == [4, 4, 5, 5])
        var index = bytes.readerIndex
        var payloads: [[UInt8]] = []
        for header in headers {
            payloads.append(BatchFactory.payload(in: bytes, at: index, header: header))
            index += header.totalSize
        }
        #expect(payloads == [[1, 2], [3, 4, 5], [1, 2], [3, 4, 5]])
        try await manager.shutdown()
    }

    @Test func logAppendTimeBatchBesideACreateTimeBatchGetsItsOwnTimestampAndCRC() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path), logger: logger)
        let log = try manager.createLog(topic: "t", partition: 0)
        var appendTime = BatchFactory.batch(payload: [7], timestamp: 10)
        appendTime.setInteger(RecordBatchAttributes.logAppendTime.rawValue, at: RecordBatchHeader.Field.attributes)
        RecordBatchHeader.sealCRC(in: &appendTime, at: 0)
        let info = try await log.appendAsLeader(
            BatchFactory.concat([BatchFactory.batch(payload: [6], timestamp: 10), appendTime]), leaderEpoch: 2, now: 42_000)
        #expect(info.logAppendTime == 42_000)
        let headers = try BatchFactory.headers(in: log.readBuffer(from: 0, maxBytes: 1000, minOneBatch: true))
        #expect(headers.map(\.baseOffset) == [0, 1])
        #expect(headers.map(\.maxTimestamp) == [10, 42_000])
        #expect(headers.map(\.partitionLeaderEpoch) == [2, 2])
        try await manager.shutdown()
    }

    @Test func malformedAppendIsRejectedWithoutTouchingTheLog() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path), logger: logger)
        let log = try manager.createLog(topic: "t", partition: 0)
        var truncated = BatchFactory.batch(payload: [1, 2, 3])
        truncated.moveWriterIndex(to: truncated.writerIndex - 1)
        await #expect(throws: LogError.self) { try await log.appendAsLeader(truncated, leaderEpoch: 0, now: 0) }
        await #expect(throws: LogError.self) { try await log.appendAsLeader(ByteBuffer(bytes: [1, 2, 3]), leaderEpoch: 0, now: 0) }
        await #expect(throws: LogError.self) { try await log.appendAsLeader(ByteBuffer(), leaderEpoch: 0, now: 0) }
        #expect(log.logEndOffset == 0)
        try await manager.shutdown()
    }

    @Test func segmentsRollBySizeAndIndexesFindEveryOffsetAndTimestamp() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path) {
            $0.segmentBytes = 4096
            $0.indexIntervalBytes = 300
        }, logger: logger)
        let log = try manager.createLog(topic: "t", partition: 0)
        var random = SeededRandom(seed: 42)
        var batches: [(base: Int64, last: Int64, timestamp: Int64)] = []
        var records: [(offset: Int64, timestamp: Int64)] = []
        for index in 0..<200 {
            let count = Int.random(in: 1...4, using: &random)
            let timestamp = Int64(index * 10) + Int64.random(in: 0...25, using: &random)  // not monotonic
            // Records inside a batch are a few ms apart, so a target can fall inside a batch.
            let timestamps = (0..<count).map { timestamp - 6 + Int64($0) * 3 }
            var builder = RecordBatchBuilder(compression: index % 3 == 0 ? .lz4 : .none)
            for recordTimestamp in timestamps {
                let payload = [UInt8](repeating: UInt8(index % 256), count: Int.random(in: 10...200, using: &random))
                builder.append(key: nil, value: ByteBuffer(bytes: payload), timestamp: recordTimestamp)
            }
            let info = try await log.appendAsLeader(try builder.build(), leaderEpoch: 1, now: 0)
            batches.append((info.firstOffset, info.lastOffset, timestamps.max()!))
            records += timestamps.enumerated().map { (info.firstOffset + Int64($0.offset), $0.element) }
        }
        #expect(log.segmentCount > 5)
        let files = try FileSystem.list(log.directory)
        #expect(files.filter { $0.hasSuffix(".log") }.count == log.segmentCount)
        #expect(files.contains("00000000000000000000.index"))
        for batch in batches {
            for offset in batch.base...batch.last {
                let read = try log.read(from: offset, maxBytes: 1, minOneBatch: true)
                #expect(read.firstBatchBaseOffset == batch.base, "offset \(offset)")
            }
        }
        // Kafka's answer: the first record, in offset order, whose timestamp is >= the target.
        for target in stride(from: Int64(-5), through: 2_100, by: 7) {
            let expected = records.first { $0.timestamp >= target }
            let found = try log.offsetForTimestamp(target, maxDecompressedBytes: 1 << 20)
            #expect(found?.offset == expected?.offset, "timestamp \(target)")
            #expect(found?.timestamp == expected?.timestamp)
        }
        let maxBatch = batches.max { $0.timestamp < $1.timestamp }!
        #expect(log.maxTimestampAndOffset?.timestamp == maxBatch.timestamp)
        #expect(log.maxTimestampAndOffset?.offset == maxBatch.last)
        try await manager.shutdown()
    }

    @Test func retentionDeletesWholeOldSegmentsButNeverTheActiveOne() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path) {
            $0.segmentBytes = 1024
            $0.retention = .seconds(100)
            $0.retentionBytes = 3000
        }, logger: logger)
        let log = try manager.createLog(topic: "t", partition: 0)
        for index in 0..<40 {
            _ = try await log.appendAsLeader(
                BatchFactory.batch(payload: [UInt8](repeating: 1, count: 200), timestamp: Int64(index) * 1000), leaderEpoch: 0, now: 0)
        }
        let before = log.segmentCount
        #expect(log.enforceRetention(now: 0) > 0)  // by bytes
        #expect(log.size < 3000 + 1024)
        #expect(log.segmentCount < before)
        #expect(log.logStartOffset == log.segmentBaseOffsets[0])
        #expect(throws: LogError.self) { try log.read(from: 0, maxBytes: 100, minOneBatch: true) }
        // Far in the future everything is expired, yet the active segment stays.
        log.enforceRetention(now: 10_000_000)
        #expect(log.segmentCount == 1)
        #expect(log.logEndOffset == 40)
        try await manager.shutdown()
    }

    @Test func deleteRecordsMovesLogStartOffsetAndDropsSegmentsBelowIt() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path) { $0.segmentBytes = 1024 }, logger: logger)
        let log = try manager.createLog(topic: "t", partition: 0)
        for _ in 0..<30 { _ = try await log.appendAsLeader(BatchFactory.batch(payload: [UInt8](repeating: 1, count: 200)), leaderEpoch: 0, now: 0) }
        #expect(try log.deleteRecords(before: 17) == 17)
        #expect(log.segmentBaseOffsets[0] <= 17)
        #expect(log.segmentBaseOffsets.count < 8)
        #expect(throws: LogError.self) { try log.read(from: 16, maxBytes: 100, minOneBatch: true) }
        #expect(try log.read(from: 17, maxBytes: 100, minOneBatch: true).firstBatchBaseOffset == 17)
        #expect(try log.deleteRecords(before: 1000) == 30)
        try await manager.shutdown()
        let reopened = try LogManager(config: .test(directory.path) { $0.segmentBytes = 1024 }, logger: logger)
        #expect(reopened.log(topic: "t", partition: 0)?.logStartOffset == 30)
        try await reopened.shutdown()
    }

    @Test func idempotentProducerDuplicatesGapsAndStaleEpochs() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let config = LogManagerConfig.test(directory.path) { $0.segmentBytes = 1024 }
        var manager = try LogManager(config: config, logger: logger)
        var log = try manager.createLog(topic: "t", partition: 0)
        func batch(_ sequence: Int32, epoch: Int16 = 0, records: Int32 = 2) -> ByteBuffer {
            BatchFactory.batch(records: records, payload: [UInt8](repeating: 7, count: 300), producerId: 1000, producerEpoch: epoch, baseSequence: sequence)
        }
        let first = try await log.appendAsLeader(batch(0), leaderEpoch: 0, now: 0)
        let second = try await log.appendAsLeader(batch(2), leaderEpoch: 0, now: 0)
        let duplicate = try await log.appendAsLeader(batch(0), leaderEpoch: 0, now: 0)
        #expect(duplicate.isDuplicate)
        #expect(duplicate.firstOffset == first.firstOffset)
        #expect(log.logEndOffset == 4)
        await #expect(throws: LogError(.outOfOrderSequence, "producer 1000 expected sequence 4, got 6")) {
            try await log.appendAsLeader(batch(6), leaderEpoch: 0, now: 0)
        }
        for sequence in stride(from: Int32(4), to: 20, by: 2) { _ = try await log.appendAsLeader(batch(sequence), leaderEpoch: 0, now: 0) }
        #expect(log.segmentCount > 2)  // snapshots were written at the rolls

        // After an unclean reopen (no shutdown) the state is rebuilt from a snapshot plus replay.
        manager.abandonForTesting()
        manager = try LogManager(config: config, logger: logger)
        log = try #require(manager.log(topic: "t", partition: 0))
        #expect(log.producerState(1000)?.lastSequence == 19)
        let again = try await log.appendAsLeader(batch(18), leaderEpoch: 0, now: 0)
        #expect(again.isDuplicate)
        #expect(again.lastOffset == second.lastOffset + 16)
        let bumped = try await log.appendAsLeader(batch(0, epoch: 1), leaderEpoch: 0, now: 0)
        #expect(!bumped.isDuplicate)
        await #expect(throws: LogError.self) { try await log.appendAsLeader(batch(20, epoch: 0), leaderEpoch: 0, now: 0) }
        #expect(log.checkProducer(try #require(try BatchFactory.headers(in: batch(5, epoch: 1)).first)) != .append)
        try await manager.shutdown()
    }

    @Test func truncateDropsWholeBatchesAndAppendsContinue() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path) { $0.segmentBytes = 1024 }, logger: logger)
        let log = try manager.createLog(topic: "t", partition: 0)
        for _ in 0..<20 { _ = try await log.appendAsLeader(BatchFactory.batch(records: 2, payload: [UInt8](repeating: 3, count: 250)), leaderEpoch: 0, now: 0) }
        try await log.truncate(to: 13)  // inside the batch 12...13: it goes whole
        #expect(log.logEndOffset == 12)
        let next = try await log.appendAsLeader(BatchFactory.batch(payload: [1]), leaderEpoch: 0, now: 0)
        #expect(next.firstOffset == 12)
        #expect(try readAllHeaders(log, from: 10).map(\.baseOffset) == [10, 12])
        try await log.truncate(to: 0)
        #expect(log.logEndOffset == 0)
        #expect(log.segmentCount == 1)
        try await manager.shutdown()
    }

    @Test func durableAcksOffMeansWrittenAndFlushPolicySyncs() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path) {
            $0.durableAcks = false
            $0.flushMessages = 5
        }, logger: logger)
        let log = try manager.createLog(topic: "t", partition: 0)
        for _ in 0..<3 { _ = try await log.appendAsLeader(BatchFactory.batch(payload: [1]), leaderEpoch: 0, now: 0) }
        try await log.waitUntilDurable(endOffset: 3)
        #expect(log.recoveryPoint == 0)
        manager.flushDirtyLogs(now: 0)
        await log.waitUntilIdle()
        #expect(log.recoveryPoint == 0)  // 3 < flush.messages
        for _ in 0..<3 { _ = try await log.appendAsLeader(BatchFactory.batch(payload: [1]), leaderEpoch: 0, now: 0) }
        manager.flushDirtyLogs(now: 0)
        await log.waitUntilIdle()
        #expect(log.recoveryPoint == 6)
        try await manager.shutdown()
    }

    @Test func nonDurableAppendsAreWrittenWithoutFdatasyncAndWaitingForDurabilityFlushes() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path), logger: logger)
        let log = try manager.createLog(topic: "t", partition: 0)
        let syncsBefore = manager.ioStatistics.fdatasyncs
        for _ in 0..<3 {
            _ = try await log.appendAsLeader(BatchFactory.batch(payload: [1]), leaderEpoch: 0, now: 0, durable: false)
        }
        #expect(log.logEndOffset == 3)
        #expect(log.recoveryPoint == 0)  // acks=1: written, not yet durable
        #expect(manager.ioStatistics.fdatasyncs == syncsBefore)
        try await log.waitUntilDurable(endOffset: 2)  // queues the flush nobody else would
        #expect(log.recoveryPoint == 3)
        _ = try await log.appendAsLeader(BatchFactory.batch(payload: [2]), leaderEpoch: 0, now: 0, durable: false)
        _ = try await log.appendAsLeader(BatchFactory.batch(payload: [3]), leaderEpoch: 0, now: 0, durable: true)
        #expect(log.recoveryPoint == 5)  // the durable append's fdatasync covers the earlier write
        try await manager.shutdown()
    }

    @Test func submittedAppendsTakeOffsetsInSubmissionOrderWhateverOrderTheyAreAwaited() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path), logger: logger)
        let log = try manager.createLog(topic: "t", partition: 0)
        let pending = try (0..<10).map { index in
            try log.submitAppendAsLeader(
                BatchFactory.batch(records: 2, payload: [UInt8(index)]), leaderEpoch: 0, now: 0, durable: index % 2 == 0)
        }
        var firstOffsets: [Int64] = []
        for append in pending.reversed() { firstOffsets.append(try await append.result().firstOffset) }
        #expect(firstOffsets.reversed() == Array(stride(from: Int64(0), to: 20, by: 2)))
        #expect(log.logEndOffset == 20)
        #expect(log.recoveryPoint >= 17)  // the last durable append (offsets 16-17) is covered
        try await manager.shutdown()
    }

    @Test func manyConcurrentAppendersAcrossPartitionsGetDistinctContiguousOffsets() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manager = try LogManager(config: .test(directory.path), logger: logger)
        let logs = try (0..<8).map { try manager.createLog(topic: "p", partition: Int32($0)) }
        let results = try await withThrowingTaskGroup(of: (Int, Int64).self) { group in
            for appender in 0..<64 {
                group.addTask {
                    let info = try await logs[appender % 8].appendAsLeader(BatchFactory.batch(records: 2, payload: [UInt8(appender)]), leaderEpoch: 0, now: 0)
                    try await logs[appender % 8].waitUntilDurable(endOffset: info.lastOffset + 1)
                    return (appender % 8, info.firstOffset)
                }
            }
            return try await group.reduce(into: [Int: [Int64]]()) { $0[$1.0, default: []].append($1.1) }
        }
        for partition in 0..<8 {
            #expect(results[partition]?.sorted() == Array(stride(from: Int64(0), to: 16, by: 2)))
            #expect(logs[partition].logEndOffset == 16)
        }
        try await manager.shutdown()
    }

    @Test func logManagerFallsBackToSyncEngineAndLogsOnce() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let logs = CapturedLogs()
        var config = LogManagerConfig.test(directory.path)
        config.simulateURingUnavailable = true
        let manager = try LogManager(config: config, logger: logs.logger)
        #expect(manager.ioEngine == .sync)
        let log = try manager.createLog(topic: "t", partition: 0)
        for _ in 0..<20 { _ = try await log.appendAsLeader(BatchFactory.batch(payload: [1]), leaderEpoch: 0, now: 0) }
        #expect(log.logEndOffset == 20)
        #expect(logs.messages.filter { $0.0 == .warning && $0.1.contains("io_uring") }.count == 1)
        try await manager.shutdown()
    }

    @Test func segmentRollsBySegmentMsAndFollowerAppendsKeepTheirOffsets() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let config = LogManagerConfig.test(directory.path) { $0.segmentRollInterval = .seconds(1) }
        var manager = try LogManager(config: config, logger: logger)
        var log = try manager.createLog(topic: "t", partition: 0)
        _ = try await log.appendAsLeader(BatchFactory.batch(payload: [1], timestamp: 0), leaderEpoch: 0, now: 0)
        _ = try await log.appendAsLeader(BatchFactory.batch(payload: [2], timestamp: 0), leaderEpoch: 0, now: 900)
        #expect(log.segmentCount == 1)
        _ = try await log.appendAsLeader(BatchFactory.batch(payload: [3], timestamp: 0), leaderEpoch: 0, now: 1_001)
        #expect(log.segmentBaseOffsets == [0, 2])

        // A follower batch with a gap before it (as after compaction on the leader) keeps its offsets.
        let info = try await log.appendAsFollower(BatchFactory.batch(records: 2, payload: [4], timestamp: 5_000, baseOffset: 10), now: 5_000)
        #expect(info.firstOffset == 10)
        #expect(log.logEndOffset == 12)
        await #expect(throws: LogError.self) { try await log.appendAsFollower(BatchFactory.batch(payload: [5], baseOffset: 11), now: 0) }
        manager.abandonForTesting()
        manager = try LogManager(config: config, logger: logger)
        log = try #require(manager.log(topic: "t", partition: 0))
        #expect(log.logEndOffset == 12)
        #expect(try log.read(from: 5, maxBytes: 1000, minOneBatch: true).firstBatchBaseOffset == 10)
        try await manager.shutdown()
    }

    @Test func unopenableLogDirFailsWithItsName() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.path + "/not-a-dir"
        let fd = open(file, O_CREAT | O_RDWR, 0o644)
        close(fd)
        #expect {
            _ = try LogManager(config: .test(file), logger: logger)
        } throws: { error in
            guard let error = error as? LogError else { return false }
            return error.code == .logDirUnavailable && error.detail.contains(file)
        }
    }

    /// After a clean shutdown the active segment's indexes are opened as they are (trimmed, no resize)
    /// and grow to `segment.index.bytes` on the first append; reads, offset and timestamp lookups are
    /// right before and after that, and after a second reopen.
    @Test func reopenedLogGrowsItsActiveIndexOnTheFirstAppendAndLooksUpEveryOffset() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let config = LogManagerConfig.test(directory.path) {
            $0.segmentBytes = 16 * 1024
            $0.indexIntervalBytes = 200
            $0.segmentIndexBytes = 8 * 1024
        }
        var batches: [(base: Int64, last: Int64, timestamp: Int64)] = []
        func append(_ log: PartitionLog, _ count: Int) async throws {
            for _ in 0..<count {
                let timestamp = Int64(1_000 + batches.count * 10)
                var builder = RecordBatchBuilder()
                for record in 0..<3 {
                    builder.append(key: nil, value: ByteBuffer(repeating: 9, count: 50), timestamp: timestamp + Int64(record))
                }
                let info = try await log.appendAsLeader(try builder.build(), leaderEpoch: 0, now: 0, durable: false)
                batches.append((info.firstOffset, info.lastOffset, timestamp))
            }
        }
        func expectLookups(_ log: PartitionLog) throws {
            #expect(log.logEndOffset == (batches.last?.last ?? -1) + 1)
            for batch in batches {
                for offset in batch.base...batch.last {
                    #expect(try log.read(from: offset, maxBytes: 1, minOneBatch: true).firstBatchBaseOffset == batch.base)
                }
                #expect(try log.offsetForTimestamp(batch.timestamp, maxDecompressedBytes: 1 << 20)?.offset == batch.base)
            }
        }
        func activeIndexBytes(_ log: PartitionLog) -> Int64 {
            var info = stat()
            let path = log.directory + "/" + LogSegment.fileName(log.segmentBaseOffsets.last ?? 0, ".index")
            return stat(path, &info) == 0 ? Int64(info.st_size) : -1
        }

        var manager = try LogManager(config: config, logger: logger)
        var log = try manager.createLog(topic: "t", partition: 0)
        #expect(activeIndexBytes(log) == 8 * 1024)  // a new log is sized at once
        try await append(log, 150)
        #expect(log.segmentCount > 1)
        try await manager.shutdown()

        for round in 0..<2 {
            manager = try LogManager(config: config, logger: logger)
            log = try #require(manager.log(topic: "t", partition: 0))
            let trimmed = activeIndexBytes(log)
            #expect(trimmed > 0 && trimmed < 8 * 1024 && trimmed % 8 == 0, "round \(round)")
            try expectLookups(log)
            try await append(log, 40)
            #expect(activeIndexBytes(log) == 8 * 1024, "round \(round)")
            try expectLookups(log)
            try await manager.shutdown()
        }
    }
}
