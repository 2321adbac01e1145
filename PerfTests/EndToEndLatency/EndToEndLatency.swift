import ArgumentParser
import PetrelClient

/// `e2e-latency`: Kafka's `EndToEndLatency` tool for the Petrel client. Sends one record at a time and
/// waits until the consumer (assigned to the topic's partition 0, at its end) has read it back; prints
/// the average and the 50th/99th/99.9th percentile round trips, as Kafka's tool does.
@main
struct EndToEndLatency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "e2e-latency")

    @Option(name: .customLong("bootstrap-server")) var bootstrapServer = "localhost:9092"
    @Option var topic: String
    @Option(name: .customLong("num-records")) var numRecords = 10_000
    @Option var acks = "all"
    @Option(name: .customLong("record-size")) var recordSize = 100

    func validate() throws {
        guard numRecords > 0, recordSize > 0 else { throw ValidationError("--num-records and --record-size must be positive") }
        guard BrokerAddress(parsing: bootstrapServer) != nil else { throw ValidationError("--bootstrap-server HOST:PORT") }
        guard ["1", "all", "-1"].contains(acks) else { throw ValidationError("--acks 1 or all") }
    }

    func run() async throws {
        let client = ClientConfiguration(bootstrapServers: [BrokerAddress(parsing: bootstrapServer)!])
        var producerConfiguration = ProducerConfiguration(client: client)
        producerConfiguration.acks = acks == "1" ? .leader : .all
        producerConfiguration.linger = .zero
        let producer = try KafkaProducer(configuration: producerConfiguration)
        var consumerConfiguration = ConsumerConfiguration(client: client)
        consumerConfiguration.fetchMaxWait = .milliseconds(100)
        let consumer = KafkaConsumer(configuration: consumerConfiguration)
        let partition = TopicPartition(topic: topic, partition: 0)
        _ = try await producer.send(ProducerRecord(topic: topic, partition: 0, value: [0]))  // creates the topic if needed
        try await consumer.assign([partition])
        try await consumer.seek([partition], to: .latest)
        var latenciesMicros: [Int64] = []
        for i in 0..<numRecords {
            let payload = (0..<recordSize).map { UInt8(truncatingIfNeeded: $0 &+ i) }
            let start = ContinuousClock.now
            _ = try await producer.send(ProducerRecord(topic: topic, partition: 0, value: payload))
            var received: [ConsumerRecord] = []
            while received.isEmpty { received = try await consumer.poll(timeout: .seconds(10)) }
            guard received.count == 1, received[0].value == payload else {
                throw ValidationError("record \(i) came back as \(received.count) records or with other bytes")
            }
            let elapsed = ContinuousClock.now - start
            latenciesMicros.append(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)
            if i % 1000 == 0 { print("\(i)\t\(Double(latenciesMicros.last ?? 0) / 1000)") }
        }
        await producer.close()
        await consumer.close()
        let sorted = latenciesMicros.sorted()
        func percentile(_ p: Double) -> Double { Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000 }
        print("Avg latency: \(Double(sorted.reduce(0, +)) / Double(sorted.count) / 1000) ms")
        print("Percentiles: 50th = \(percentile(0.5)), 99th = \(percentile(0.99)), 99.9th = \(percentile(0.999))")
    }
}
