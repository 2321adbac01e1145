import Testing

@testable import PetrelClient

/// The consumer's position is the next record `poll` returns, not how far it has fetched: commits made
/// from it must not skip records still buffered.
extension ClientComponentTests {
    @Test func positionCountsOnlyRecordsPollReturnedNotTheOnesStillBuffered() async throws {
        let broker = try await FakeBroker.start()
        broker.createTopic("buffered", partitions: 1)
        let producer = try producer(broker)
        for i in 0..<40 {
            try await producer.send(ProducerRecord(topic: "buffered", partition: 0, value: [UInt8(i)])) { _ in }
        }
        await producer.close()
        var consumerConfiguration = ConsumerConfiguration(client: configuration(broker))
        consumerConfiguration.maxPollRecords = 15
        let consumer = KafkaConsumer(configuration: consumerConfiguration)
        let partition = TopicPartition(topic: "buffered", partition: 0)
        try await consumer.assign([partition])
        try await consumer.seek([partition], to: .earliest)
        var returned = 0
        for _ in 0..<20 where returned == 0 { returned += try await consumer.poll(timeout: .milliseconds(100)).count }
        // One fetch brought all 40 records; poll handed out 15, so the next one to return is offset 15.
        #expect(returned == 15)
        #expect(try await consumer.position(partition) == 15)
        await consumer.close()
        await broker.stop()
    }
}
