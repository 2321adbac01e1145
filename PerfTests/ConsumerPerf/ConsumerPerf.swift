import ArgumentParser
import NIOCore

#if canImport(Glibc)
import Glibc
#endif
import PetrelClient

/// `consumer-perf`: Kafka's `kafka-consumer-perf-test` for the Petrel consumer. Reads `--messages`
/// records from the start of every partition of `--topic` and prints Kafka's CSV-style summary
/// (start/end time, MB and records consumed, and per-second rates).
@main
struct ConsumerPerf: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "consumer-perf")

    @Option(name: .customLong("bootstrap-server")) var bootstrapServer = "localhost:9092"
    @Option var topic: String
    @Option var messages: Int
    @Option(name: .customLong("fetch-size"), help: "max.partition.fetch.bytes") var fetchSize = 1_048_576
    @Option(name: .customLong("timeout-ms"), help: "Give up when no record arrives for this long.") var timeoutMs = 10_000
    // librdkafka's default (check.crcs=false), the reference of PerfTests/client_bench.py; the Java client checks.
    @Option(name: .customLong("check-crcs"), help: "check.crcs: verify each batch's CRC-32C.") var checkCRCs = false

    func validate() throws {
        guard messages > 0, fetchSize > 0, timeoutMs > 0 else { throw ValidationError("counts and sizes must be positive") }
        guard BrokerAddress(parsing: bootstrapServer) != nil else { throw ValidationError("--bootstrap-server HOST:PORT") }
    }

    func run() async throws {
        var configuration = ConsumerConfiguration(client: ClientConfiguration(bootstrapServers: [BrokerAddress(parsing: bootstrapServer)!]))
        configuration.maxPartitionFetchBytes = Int32(clamping: fetchSize)
        configuration.maxPollRecords = 10_000
        configuration.checkCRCs = checkCRCs
        let consumer = KafkaConsumer(configuration: configuration)
        let admin = KafkaAdmin(client: consumer.client)
        guard let description = try await admin.describeTopics([topic]).first else { return }
        let partitions = description.partitions.map { TopicPartition(topic: topic, partition: $0.partition) }
        try await consumer.assign(partitions)
        try await consumer.seek(partitions, to: .earliest)
        let startMillis = Self.wallMillis()
        let start = ContinuousClock.now
        var count = 0
        var bytes = 0
        var lastRecord = ContinuousClock.now
        while count < messages && ContinuousClock.now - lastRecord < .milliseconds(timeoutMs) {
            let records = try await consumer.poll(timeout: .milliseconds(500))
            if !records.isEmpty { lastRecord = .now }
            count += records.count
            bytes += records.reduce(0) { $0 + ($1.valueBuffer?.readableBytes ?? 0) + ($1.keyBuffer?.readableBytes ?? 0) }
        }
        let elapsed = ContinuousClock.now - start
        await consumer.close()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let megabytes = Double(bytes) / (1024 * 1024)
        print("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec")
        print(
            "\(startMillis), \(startMillis + Int64(seconds * 1000)), \(fixed(megabytes)), \(fixed(megabytes / seconds)), "
                + "\(count), \(fixed(Double(count) / seconds))")
        if count < messages { throw ExitCode.failure }
    }

    static func wallMillis() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}

/// Four decimals, as Kafka's consumer perf tool prints them.
func fixed(_ value: Double) -> String {
    let scaled = Int64((value * 10_000).rounded())
    let fraction = String(scaled % 10_000)
    return "\(scaled / 10_000).\(String(repeating: "0", count: 4 - fraction.count))\(fraction)"
}
