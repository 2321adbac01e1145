import NIOCore
import PetrelProtocol
import Synchronization
import Testing

@testable import PetrelClient

/// The producer, consumer and admin client against `FakeBroker` on a loopback port: real sockets,
/// real frames, no Petrel broker needed.
@Suite struct ClientComponentTests {
    func configuration(_ broker: FakeBroker, extra: [BrokerAddress] = []) -> ClientConfiguration {
        var configuration = ClientConfiguration(bootstrapServers: extra + [BrokerAddress(host: "127.0.0.1", port: broker.port)])
        configuration.retryBackoff = .milliseconds(10)
        configuration.apiTimeout = .seconds(10)
        return configuration
    }

    func producer(_ broker: FakeBroker, _ adjust: (inout ProducerConfiguration) -> Void = { _ in }) throws -> KafkaProducer {
        var configuration = ProducerConfiguration(client: configuration(broker))
        configuration.linger = .milliseconds(1)
        adjust(&configuration)
        return try KafkaProducer(configuration: configuration)
    }

    func consumeAll(_ broker: FakeBroker, topic: String, partitions: Int32, expecting count: Int) async throws -> [ConsumerRecord] {
        let consumer = KafkaConsumer(configuration: ConsumerConfiguration(client: configuration(broker)))
        let assigned = (0..<partitions).map { TopicPartition(topic: topic, partition: $0) }
        try await consumer.assign(assigned)
        try await consumer.seek(assigned, to: .earliest)
        var records: [ConsumerRecord] = []
        for _ in 0..<50 where records.count < count {
            records += try await consumer.poll(timeout: .milliseconds(100))
        }
        await consumer.close()
        return records
    }

    @Test func keyedRecordsLandOnTheMurmur2PartitionWithContiguousOffsets() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("keyed", partitions: 3)
        let producer = try producer(broker)
        let reports = try await withThrowingTaskGroup(of: (Int, RecordMetadata).self) { group in
            for i in 0..<60 {
                group.addTask {
                    (i, try await producer.send(ProducerRecord(topic: "keyed", key: Array("key-\(i % 7)".utf8), value: [UInt8(i)])))
                }
            }
            var all: [Int: RecordMetadata] = [:]
            for try await (i, report) in group { all[i] = report }
            return all
        }
        await producer.close()
        for (i, report) in reports {
            #expect(report.partition == Murmur2.partition(forKey: Array("key-\(i % 7)".utf8), partitionCount: 3))
        }
        for partition in Int32(0)..<3 {
            let offsets = reports.values.filter { $0.partition == partition }.map(\.offset).sorted()
            #expect(offsets == Array(0..<Int64(offsets.count)))
        }
        await broker.stop()
    }

    @Test(arguments: CompressionCodec.allCases)
    func recordsRoundTripByteExactWithEachCodec(codec: CompressionCodec) async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("codec", partitions: 1)
        let producer = try producer(broker) { $0.compression = codec }
        let sent = (0..<40).map { i in
            ProducerRecord(
                topic: "codec", key: i % 5 == 0 ? nil : Array("k\(i)".utf8),
                value: i % 9 == 0 ? nil : Array(repeating: UInt8(i), count: i * 13),
                headers: [RecordHeader(key: "h", value: ByteBuffer(string: "v\(i)")), RecordHeader(key: "null", value: nil)],
                timestamp: 1_700_000_000_000 + Int64(i))
        }
        for record in sent { _ = try await producer.send(record) }
        await producer.close()
        let received = try await consumeAll(broker, topic: "codec", partitions: 1, expecting: sent.count)
        #expect(received.map(\.offset) == Array(0..<Int64(sent.count)))
        #expect(received.map(\.key) == sent.map(\.key))
        #expect(received.map(\.value) == sent.map(\.value))
        #expect(received.map(\.headers) == sent.map(\.headers))
        #expect(received.map(\.timestamp) == sent.map { $0.timestamp! })
        await broker.stop()
    }

    @Test func callbackSendsKeepCallOrderWithinAPartition() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("ordered", partitions: 1)
        let producer = try producer(broker) { $0.batchSize = 200 }
        let reports = Mutex<[Int: Int64]>([:])
        for i in 0..<50 {
            try await producer.send(ProducerRecord(topic: "ordered", value: [UInt8(i)])) { result in
                if case .success(let metadata) = result { reports.withLock { $0[i] = metadata.offset } }
            }
        }
        await producer.close()
        #expect(reports.withLock { $0 } == Dictionary(uniqueKeysWithValues: (0..<50).map { ($0, Int64($0)) }))
        #expect(broker.batchCount("ordered", 0) > 1)
        await broker.stop()
    }

    @Test func notLeaderErrorRefreshesMetadataAndRetriesTheSameBatch() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("retry", partitions: 1)
        broker.state.withLock { $0.produceFaults = [.notLeaderOrFollower, .notLeaderOrFollower] }
        let producer = try producer(broker)
        let report = try await producer.send(ProducerRecord(topic: "retry", value: Array("x".utf8)))
        await producer.close()
        #expect(report.offset == 0)
        #expect(broker.requestCount(.produce) == 3)
        #expect(broker.requestCount(.metadata) >= 2)
        #expect(broker.batchCount("retry", 0) == 1)
        await broker.stop()
    }

    @Test func lostProduceResponseIsRetriedWithoutDuplicating() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("dedupe", partitions: 1)
        broker.state.withLock { $0.dropNextProduceResponse = true }
        let producer = try producer(broker)
        _ = try await producer.send(ProducerRecord(topic: "dedupe", value: Array("once".utf8)))
        let second = try await producer.send(ProducerRecord(topic: "dedupe", value: Array("twice".utf8)))
        await producer.close()
        #expect(broker.batchCount("dedupe", 0) == 2)
        #expect(second.offset == 1)
        let received = try await consumeAll(broker, topic: "dedupe", partitions: 1, expecting: 2)
        #expect(received.map { $0.value.map { String(decoding: $0, as: UTF8.self) } } == ["once", "twice"])
        await broker.stop()
    }

    @Test func nonRetriableErrorFailsTheSend() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("fatal", partitions: 1)
        broker.state.withLock { $0.produceFaults = [.messageTooLarge] }
        let producer = try producer(broker)
        await #expect(throws: KafkaClientError.broker(.messageTooLarge, "fatal-0")) {
            try await producer.send(ProducerRecord(topic: "fatal", value: [1]))
        }
        await producer.close()
        await broker.stop()
    }

    @Test func acksZeroGetsNoOffsetsButRecordsArrive() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("fire", partitions: 1)
        let producer = try producer(broker) { $0.acks = .none }
        let report = try await producer.send(ProducerRecord(topic: "fire", value: [1, 2, 3]))
        await producer.close()
        #expect(report.offset == -1)
        let received = try await consumeAll(broker, topic: "fire", partitions: 1, expecting: 1)
        #expect(received.map(\.value) == [[1, 2, 3]])
        await broker.stop()
    }

    @Test func idempotenceNeedsAcksAll() {
        var configuration = ProducerConfiguration(client: ClientConfiguration(bootstrapServers: []))
        configuration.acks = .leader
        configuration.enableIdempotence = true
        #expect(throws: KafkaClientError.self) { try KafkaProducer(configuration: configuration) }
    }

    @Test func bootstrapSkipsUnreachableAddressesAndNegotiatesVersions() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("boot", partitions: 2)
        broker.state.withLock { $0.maxVersions[.metadata] = 9 }
        let dead = try await FakeBroker.start()
        let deadPort = dead.port
        await dead.stop()
        let admin = KafkaAdmin(configuration: configuration(broker, extra: [BrokerAddress(host: "127.0.0.1", port: deadPort)]))
        let topics = try await admin.describeTopics(["boot"])
        #expect(topics.map(\.partitions.count) == [2])
        #expect(broker.state.withLock { $0.requests.filter { $0.0 == .metadata }.allSatisfy { $0.1 == 9 } })
        // DescribeCluster is not served by the fake: the admin client falls back to Metadata.
        let cluster = try await admin.describeCluster()
        #expect(cluster.clusterID == "fake-cluster")
        #expect(cluster.brokers.map(\.nodeID) == [1])
        await admin.close()
        await broker.stop()
    }

    @Test func unknownTopicWithoutAutoCreateFailsAfterRetrying() async throws {
        let broker = try await FakeBroker.start()
        var configuration = ProducerConfiguration(client: configuration(broker))
        configuration.allowAutoCreateTopics = false
        configuration.client.apiTimeout = .milliseconds(200)
        let producer = try KafkaProducer(configuration: configuration)
        await #expect(throws: KafkaClientError.self) {
            try await producer.send(ProducerRecord(topic: "missing", value: [1]))
        }
        await producer.close()
        await broker.stop()
    }

    @Test func consumerSeeksByTimestampAndResetsOutOfRangeOffsets() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("times", partitions: 1)
        let producer = try producer(broker)
        for i in 0..<3 {
            _ = try await producer.send(ProducerRecord(topic: "times", value: [UInt8(i)], timestamp: 1000 * Int64(i + 1)))
            await producer.flush()
        }
        await producer.close()
        var consumerConfiguration = ConsumerConfiguration(client: configuration(broker))
        consumerConfiguration.autoOffsetReset = .earliest
        let consumer = KafkaConsumer(configuration: consumerConfiguration)
        let partition = TopicPartition(topic: "times", partition: 0)
        try await consumer.assign([partition])
        try await consumer.seek([partition], to: .timestamp(2000))
        #expect(try await consumer.position(partition) == 1)
        try await consumer.seek(partition, to: 99)
        var records: [ConsumerRecord] = []
        for _ in 0..<20 where records.count < 3 { records += try await consumer.poll(timeout: .milliseconds(100)) }
        #expect(records.map(\.offset) == [0, 1, 2])
        await consumer.close()
        await broker.stop()
    }
}
