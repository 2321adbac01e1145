import NIOCore
import PetrelProtocol
import Synchronization
import Testing

@testable import PetrelClient

/// `send` appends straight into the partition's open batch under the producer's lock, racing the
/// actor that drains batches when their linger expires and `close()` draining everything.
extension ClientComponentTests {
    @Test func sendsRacingLingerExpiryArriveOnceInSendOrder() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("lingering", partitions: 1)
        let producer = try producer(broker) { $0.linger = .milliseconds(1) }
        let reports = Mutex<[Int: Int64]>([:])
        var random = SplitMix64(seed: 7)
        for i in 0..<400 {
            try await producer.send(ProducerRecord(topic: "lingering", value: Array("r\(i)".utf8))) { result in
                if case .success(let metadata) = result { reports.withLock { $0[i] = metadata.offset } }
            }
            // Pauses around the linger, so appends land before, during and after batches drain.
            switch random.next() % 8 {
            case 0: try await Task.sleep(for: .microseconds(Int(random.next() % 2_000)))
            case 1: await Task.yield()
            default: break
            }
        }
        await producer.close()
        #expect(reports.withLock { $0 } == Dictionary(uniqueKeysWithValues: (0..<400).map { ($0, Int64($0)) }))
        let received = try await consumeAll(broker, topic: "lingering", partitions: 1, expecting: 400)
        #expect(received.map { String(decoding: $0.value ?? [], as: UTF8.self) } == (0..<400).map { "r\($0)" })
        await broker.stop()
    }

    @Test func closeDeliversEveryRecordSendAcceptedWhileClosing() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("closing", partitions: 2)
        let producer = try producer(broker) { $0.batchSize = 2_000 }
        let delivered = Mutex<[Int32: [Int]]>([:])
        let failed = Atomic<Int>(0)
        // Sends to a partition until the producer refuses; returns how many sends it accepted.
        let sendUntilClosed: @Sendable (Int32) async -> Int = { partition in
            var accepted = 0
            while accepted < 10_000 {
                let index = accepted
                do {
                    try await producer.send(ProducerRecord(topic: "closing", partition: partition, value: Array("\(index)".utf8))) {
                        result in
                        if case .success = result {
                            delivered.withLock { $0[partition, default: []].append(index) }
                        } else {
                            failed.add(1, ordering: .relaxed)
                        }
                    }
                } catch {
                    return accepted
                }
                accepted += 1
                if accepted % 64 == 0 { await Task.yield() }
            }
            return accepted
        }
        let senders = (0..<Int32(2)).map { partition in Task { await sendUntilClosed(partition) } }
        // Let both senders get going (records placed and batches in flight) before closing.
        for _ in 0..<10_000 where delivered.withLock({ $0.values.map(\.count).reduce(0, +) }) < 200 {
            try await Task.sleep(for: .milliseconds(1))
        }
        await producer.close()
        let accepted = [await senders[0].value, await senders[1].value]
        #expect(failed.load(ordering: .relaxed) == 0)
        for partition in 0..<2 {
            // Every accepted send was delivered once, in send order.
            #expect(delivered.withLock { $0[Int32(partition)] ?? [] } == Array(0..<accepted[partition]))
        }
        let received = try await consumeAll(broker, topic: "closing", partitions: 2, expecting: accepted.reduce(0, +))
        for partition in 0..<2 {
            let values = received.filter { $0.partition == Int32(partition) }.map { String(decoding: $0.value ?? [], as: UTF8.self) }
            #expect(values == (0..<accepted[partition]).map { "\($0)" })
        }
        await broker.stop()
    }
}
