import NIOCore
import PetrelProtocol
import Synchronization
import Testing

@testable import PetrelClient

/// Several Produce requests in flight per connection (`max.in.flight.requests.per.connection`) with the
/// idempotent producer: per-partition order and exactly-once delivery, also when a batch in the middle
/// of the pipeline fails and the ones behind it come back OUT_OF_ORDER_SEQUENCE_NUMBER.
extension ClientComponentTests {
    /// `count` records of 50 bytes, round-robin over `partitions` partitions, sent with callbacks (no
    /// waiting between sends); returns the delivery reports by record index once the producer closed.
    func sendPipelined(
        _ broker: FakeBroker, topic: String, partitions: Int32, count: Int
    ) async throws -> [Int: Result<RecordMetadata, any Error>] {
        // 300-byte batches hold three such records: many batches per partition, so they must pipeline.
        let producer = try producer(broker) { $0.batchSize = 300 }
        let reports = Mutex<[Int: Result<RecordMetadata, any Error>]>([:])
        for i in 0..<count {
            let value = Array("record-\(i)".utf8) + Array(repeating: UInt8(ascii: "."), count: 50 - "record-\(i)".utf8.count)
            try await producer.send(ProducerRecord(topic: topic, partition: Int32(i) % partitions, value: value)) { result in
                reports.withLock { $0[i] = result }
            }
        }
        await producer.close()
        return reports.withLock { $0 }
    }

    /// Every record exactly once, each partition in send order, and offsets matching the reports.
    func expectExactlyOnceInOrder(
        _ broker: FakeBroker, topic: String, partitions: Int32, count: Int, reports: [Int: Result<RecordMetadata, any Error>]
    ) async throws {
        #expect(reports.count == count)
        let received = try await consumeAll(broker, topic: topic, partitions: partitions, expecting: count)
        #expect(received.count == count)
        for partition in 0..<partitions {
            let expected = (0..<count).filter { Int32($0) % partitions == partition }
            let got = received.filter { $0.partition == partition }
            #expect(got.map { String(decoding: $0.value ?? [], as: UTF8.self).prefix { $0 != "." } } == expected.map { "record-\($0)"[...] })
            #expect(got.map(\.offset) == Array(0..<Int64(expected.count)))
            for (offset, index) in expected.enumerated() {
                let reported = try reports[index]?.get()
                // A batch the broker had already written before a retry is reported with offset -1.
                #expect(reported?.offset == Int64(offset) || reported?.offset == -1)
            }
        }
    }

    @Test func pipelinedBatchesKeepPartitionOrderAndArriveExactlyOnce() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("pipelined", partitions: 3)
        // Long enough that the client has written its next requests before the first answer, however slow the machine.
        broker.state.withLock { $0.produceResponseDelay = .milliseconds(100) }
        let reports = try await sendPipelined(broker, topic: "pipelined", partitions: 3, count: 300)
        let mostInFlight = broker.state.withLock { $0.mostHeldProduceResponses }
        #expect(mostInFlight > 1)
        #expect(mostInFlight <= 5)
        #expect(broker.state.withLock { $0.outOfOrderAnswers } == 0)
        try await expectExactlyOnceInOrder(broker, topic: "pipelined", partitions: 3, count: 300, reports: reports)
        await broker.stop()
    }

    @Test func aRetriableErrorInThePipelineResendsTheFailedBatchThenTheOnesBehindItInOrder() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("midfail", partitions: 2)
        broker.state.withLock {
            $0.produceResponseDelay = .milliseconds(100)
            // The second request fails: the requests already pipelined behind it hit a sequence gap.
            $0.produceFaults = [.none, .notLeaderOrFollower]
        }
        let reports = try await sendPipelined(broker, topic: "midfail", partitions: 2, count: 200)
        #expect(broker.state.withLock { $0.outOfOrderAnswers } > 0)
        try await expectExactlyOnceInOrder(broker, topic: "midfail", partitions: 2, count: 200, reports: reports)
        await broker.stop()
    }

    @Test func aLostConnectionWithPipelinedRequestsResendsThemWithoutDuplicates() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("dropped", partitions: 2)
        broker.state.withLock {
            $0.produceResponseDelay = .milliseconds(20)
            // The first request is written, then the connection closes before any answer.
            $0.dropNextProduceResponse = true
        }
        let reports = try await sendPipelined(broker, topic: "dropped", partitions: 2, count: 200)
        #expect(broker.requestCount(.produce) > 1)
        try await expectExactlyOnceInOrder(broker, topic: "dropped", partitions: 2, count: 200, reports: reports)
        await broker.stop()
    }

    @Test func idempotenceNeedsAtMostFiveRequestsInFlight() throws {
        var configuration = ProducerConfiguration(client: ClientConfiguration(bootstrapServers: []))
        configuration.maxInFlightRequestsPerConnection = 6
        #expect(try configuration.idempotent() == false)
        configuration.enableIdempotence = true
        #expect(throws: KafkaClientError.self) { try configuration.idempotent() }
        configuration.maxInFlightRequestsPerConnection = 0
        configuration.enableIdempotence = false
        #expect(throws: KafkaClientError.self) { try configuration.idempotent() }
    }
}
