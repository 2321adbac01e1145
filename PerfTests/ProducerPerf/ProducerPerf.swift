import ArgumentParser
import PetrelClient
import PetrelProtocol
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `producer-perf`: Kafka's `kafka-producer-perf-test` for the Petrel producer. Sends `--num-records`
/// records of `--record-size` bytes (optionally capped at `--throughput` records/s), prints progress
/// every 5 s and a final line with records/s, MB/s, average/max latency and percentiles, in Kafka's
/// wording so the figures read side by side with the Java tool's.
@main
struct ProducerPerf: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "producer-perf")

    @Option(name: .customLong("bootstrap-server")) var bootstrapServer = "localhost:9092"
    @Option var topic: String
    @Option(name: .customLong("num-records")) var numRecords: Int
    @Option(name: .customLong("record-size")) var recordSize = 100
    @Option(help: "Records per second cap; -1 for none.") var throughput = -1
    @Option var acks = "all"
    @Option(name: .customLong("compression")) var compression = "none"
    // Defaults match PerfTests/rdkafka-load/loadgen.c, the librdkafka reference of PerfTests/client_bench.py:
    // batch.size 1000000, linger.ms 5, queue.buffering.max.messages 1000000.
    @Option(name: .customLong("batch-size")) var batchSize = 1_000_000
    @Option(name: .customLong("linger-ms")) var lingerMs = 5
    @Option(name: .customLong("max-outstanding"), help: "Records outstanding at once (buffer.memory in records).")
    var maxOutstanding = 1_000_000
    @Option(name: .customLong("enable-idempotence"), help: "true or false; default: on exactly with acks=all.")
    var enableIdempotence: Bool?

    func validate() throws {
        guard numRecords > 0, recordSize > 0, batchSize > 0, lingerMs >= 0, maxOutstanding > 0 else {
            throw ValidationError("--num-records, --record-size, --batch-size and --max-outstanding must be positive")
        }
        guard BrokerAddress(parsing: bootstrapServer) != nil else { throw ValidationError("--bootstrap-server HOST:PORT") }
        guard ["0", "1", "all", "-1"].contains(acks) else { throw ValidationError("--acks 0, 1 or all") }
        guard CompressionCodec.allCases.contains(where: { "\($0)" == compression }) else {
            throw ValidationError("--compression none, gzip, snappy, lz4 or zstd")
        }
    }

    func run() async throws {
        var configuration = ProducerConfiguration(client: ClientConfiguration(bootstrapServers: [BrokerAddress(parsing: bootstrapServer)!]))
        configuration.acks = acks == "0" ? .none : acks == "1" ? .leader : .all
        configuration.compression = CompressionCodec.allCases.first { "\($0)" == compression } ?? .none
        configuration.batchSize = batchSize
        configuration.linger = .milliseconds(lingerMs)
        configuration.enableIdempotence = enableIdempotence
        let producer = try KafkaProducer(configuration: configuration)
        // Kafka's tool sends random printable payloads; a fixed seeded pattern keeps runs comparable.
        let payload = (0..<recordSize).map { UInt8(ascii: "A") + UInt8(($0 * 7919) % 26) }
        let stats = Stats(recordSize: recordSize, records: numRecords)
        let reporter = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(5))
                if !Task.isCancelled { emit(stats.window()) }
            }
        }
        // Options read once: ArgumentParser's property wrappers cost more than a send.
        let (numRecords, throughput, maxOutstanding) = (numRecords, throughput, maxOutstanding)
        let record = ProducerRecord(topic: topic, value: payload)
        let start = ContinuousClock.now
        for i in 0..<numRecords {
            if throughput > 0 {
                let due = start + .seconds(Double(i) / Double(throughput))
                if due > .now { try await Task.sleep(until: due, clock: .continuous) }
            }
            // Like the Java producer's buffer.memory: block while too many records are outstanding.
            while !stats.reserve(below: maxOutstanding) { try await Task.sleep(for: .milliseconds(1)) }
            let sentAt = monotonicMicros()
            try await producer.send(record) { result in
                stats.record(latencyMicros: monotonicMicros() - sentAt, failed: (try? result.get()) == nil)
            }
        }
        await producer.flush()
        let elapsed = ContinuousClock.now - start
        reporter.cancel()
        await producer.close()
        emit(stats.total(elapsed: elapsed))
    }
}

/// Latencies and counts, shared by the send tasks and the 5-second reporter.
final class Stats: Sendable {
    private struct State {
        var latenciesMicros: [Int64] = []
        var windowStart = ContinuousClock.now
        var windowCount = 0
        var windowLatencyMicros: Int64 = 0
        var windowMaxMicros: Int64 = 0
        var failures = 0
    }

    /// Records sent and not yet reported: the sender and the delivery reports both count it per record,
    /// so it is kept apart from the lock.
    private let outstanding = Atomic<Int>(0)

    private let state: Mutex<State>
    private let recordSize: Int

    /// Room for `records` latencies up front: growing the array while records are acknowledged copies it.
    init(recordSize: Int, records: Int) {
        self.recordSize = recordSize
        var state = State()
        state.latenciesMicros.reserveCapacity(records)
        self.state = Mutex(state)
    }

    /// Counts one more record outstanding, unless `limit` are already; false means wait.
    /// Only the sending task reserves, so checking and adding need not be one atomic step.
    func reserve(below limit: Int) -> Bool {
        guard outstanding.load(ordering: .relaxed) < limit else { return false }
        outstanding.add(1, ordering: .relaxed)
        return true
    }

    func record(latencyMicros micros: Int64, failed: Bool) {
        outstanding.subtract(1, ordering: .relaxed)
        state.withLock {
            if failed { $0.failures += 1 }
            $0.latenciesMicros.append(micros)
            $0.windowCount += 1
            $0.windowLatencyMicros += micros
            $0.windowMaxMicros = max($0.windowMaxMicros, micros)
        }
    }

    /// Kafka's progress line for the last window; resets the window.
    func window() -> String {
        state.withLock { state in
            let seconds = Self.seconds(ContinuousClock.now - state.windowStart)
            let line = line(count: state.windowCount, seconds: seconds,
                            avgMillis: state.windowCount == 0 ? 0 : Double(state.windowLatencyMicros) / Double(state.windowCount) / 1000,
                            maxMillis: Double(state.windowMaxMicros) / 1000) + "."
            state.windowStart = .now
            state.windowCount = 0
            state.windowLatencyMicros = 0
            state.windowMaxMicros = 0
            return line
        }
    }

    /// Kafka's final line: totals, then the 50th/95th/99th/99.9th percentile latencies.
    func total(elapsed: Duration) -> String {
        let (unsorted, failures) = state.withLock { ($0.latenciesMicros, $0.failures) }
        let sorted = unsorted.sorted()
        guard !sorted.isEmpty else { return "0 records sent." }
        func percentile(_ p: Double) -> Int64 { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] / 1000 }
        let average = Double(sorted.reduce(0, +)) / Double(sorted.count) / 1000
        return line(count: sorted.count, seconds: Self.seconds(elapsed), avgMillis: average, maxMillis: Double(sorted.last!) / 1000)
            + ", \(percentile(0.5)) ms 50th, \(percentile(0.95)) ms 95th, \(percentile(0.99)) ms 99th, \(percentile(0.999)) ms 99.9th."
            + (failures > 0 ? " \(failures) records failed." : "")
    }

    private func line(count: Int, seconds: Double, avgMillis: Double, maxMillis: Double) -> String {
        let rate = seconds > 0 ? Double(count) / seconds : 0
        let megabytes = rate * Double(recordSize) / (1024 * 1024)
        return "\(count) records sent, \(format(rate)) records/sec (\(format(megabytes)) MB/sec), "
            + "\(format(avgMillis)) ms avg latency, \(format(maxMillis)) ms max latency"
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Microseconds on the monotonic clock: a plain integer, cheaper per record than `ContinuousClock`'s
/// 128-bit `Duration` arithmetic.
func monotonicMicros() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
}

/// Writes one line to standard output at once (unbuffered: progress must show while the run goes on).
func emit(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
}

/// Two decimals, as Kafka's tool prints them.
func format(_ value: Double) -> String {
    let scaled = (value * 100).rounded()
    let whole = Int64(scaled) / 100
    let fraction = Int64(scaled.magnitude) % 100
    return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
}
