import Logging
import NIOCore
import PetrelProtocol
@testable import PetrelStorage
import Testing

/// Random sequences of append / roll / truncate / deleteRecords / clean and unclean reopen, checked
/// after every step against a plain in-memory model of the log.
@Suite struct PartitionLogModelTests {
    struct ModelBatch: Equatable {
        var base: Int64
        var last: Int64
        var crc: UInt32
    }

    struct Model {
        var batches: [ModelBatch] = []
        var logStartOffset: Int64 = 0
        var logEndOffset: Int64 { batches.last.map { $0.last + 1 } ?? truncatedEnd }
        var truncatedEnd: Int64 = 0
        var visible: [ModelBatch] { batches.filter { $0.last >= logStartOffset } }
    }

    @Test(arguments: [UInt64(1), 2, 3, 0xDEAD_BEEF])
    func randomOperationsMatchTheModel(seed: UInt64) async throws {
        print("PartitionLogModelTests seed \(seed)")
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var random = SeededRandom(seed: seed)
        let config = LogManagerConfig.test(directory.path) {
            $0.segmentBytes = 2048
            $0.indexIntervalBytes = 256
            $0.segmentIndexBytes = 8 * 12  // tiny indexes: "index full" rolls happen too
        }
        var manager = try LogManager(config: config, logger: Logger(label: "test"))
        var log = try manager.createLog(topic: "model-topic", partition: 3)
        var model = Model()

        for step in 0..<250 {
            let roll = Int.random(in: 0..<100, using: &random)
            switch roll {
            case 0..<70:
                let count = Int.random(in: 1...3, using: &random)
                let batches = (0..<count).map { _ in
                    BatchFactory.batch(
                        records: Int32.random(in: 1...5, using: &random),
                        payload: (0..<Int.random(in: 0...400, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) },
                        timestamp: Int64(step))
                }
                let info = try await log.appendAsLeader(BatchFactory.concat(batches), leaderEpoch: 1, now: Int64(step))
                #expect(info.firstOffset == model.logEndOffset, "seed \(seed) step \(step)")
                var next = info.firstOffset
                for batch in batches {
                    let header = try RecordBatchHeader(parsing: batch, at: 0)
                    model.batches.append(ModelBatch(base: next, last: next + Int64(header.lastOffsetDelta), crc: header.crc))
                    next += Int64(header.lastOffsetDelta) + 1
                }
            case 70..<80 where model.logEndOffset > model.logStartOffset:
                let target = Int64.random(in: (model.logStartOffset + 1)...model.logEndOffset, using: &random)
                try await log.truncate(to: target)
                // The batch containing the target goes whole; the log ends where it began.
                if let firstRemoved = model.batches.first(where: { $0.last >= target }) {
                    model.truncatedEnd = firstRemoved.base
                    model.batches.removeAll { $0.last >= target }
                }
                model.logStartOffset = min(model.logStartOffset, model.logEndOffset)
            case 80..<88:
                let target = Int64.random(in: model.logStartOffset...model.logEndOffset, using: &random)
                #expect(try log.deleteRecords(before: target) == target)
                model.logStartOffset = target
            case 88..<94:
                try await manager.shutdown()
                manager = try LogManager(config: config, logger: Logger(label: "test"))
                log = try #require(manager.log(topic: "model-topic", partition: 3))
            case 94..<100:
                try manager.checkpoint()
                manager.abandonForTesting()
                manager = try LogManager(config: config, logger: Logger(label: "test"))
                log = try #require(manager.log(topic: "model-topic", partition: 3))
            default:
                continue
            }
            #expect(log.logEndOffset == model.logEndOffset, "seed \(seed) step \(step)")
            #expect(log.logStartOffset == model.logStartOffset, "seed \(seed) step \(step)")
            if step % 10 == 0 || roll >= 88 {
                let headers = try readAllHeaders(log, from: model.logStartOffset)
                let found = headers.map { ModelBatch(base: $0.baseOffset, last: $0.lastOffset, crc: $0.crc) }
                #expect(found == model.visible, "seed \(seed) step \(step)")
            }
        }
        try await manager.shutdown()
    }
}
