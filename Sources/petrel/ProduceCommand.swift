import ArgumentParser
import NIOCore
import PetrelClient
import PetrelProtocol
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `petrel produce TOPIC`: one record per stdin line (kafka-console-producer), bytes passed unchanged.
struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce", abstract: "Produce stdin lines as records (one record per line).")

    @OptionGroup var client: ClientOptions
    @Argument(help: "Topic to produce to.") var topic: String
    @Option(name: .customLong("key-separator"), help: "Split each line into key and value at the first SEP.")
    var keySeparator: String?
    @Option(name: .customLong("header"), help: "Header key=value added to every record; repeatable.")
    var headers: [String] = []
    @Option(help: "Partition to produce to (the partitioner chooses when omitted).") var partition: Int32?
    @Option(help: "acks: 0, 1 or all (-1).") var acks = "all"
    @Option(help: "Compression: none, gzip, snappy, lz4 or zstd.") var compression = "none"
    @Option(name: .customLong("linger-ms"), help: "linger.ms") var lingerMs = 5
    @Option(name: .customLong("batch-size"), help: "batch.size in bytes") var batchSize = 16384

    func validate() throws {
        _ = try parsedAcks()
        _ = try parsedCompression()
        _ = try parseKeyValues(headers, option: "--header")
        if keySeparator == "" { throw ValidationError("--key-separator must not be empty") }
        if let partition, partition < 0 { throw ValidationError("--partition must not be negative") }
        guard lingerMs >= 0, batchSize > 0 else { throw ValidationError("--linger-ms and --batch-size must be positive") }
    }

    func parsedAcks() throws -> ProducerConfiguration.Acks {
        switch acks {
        case "0": .none
        case "1": .leader
        case "all", "-1": .all
        default: throw ValidationError("--acks must be 0, 1 or all")
        }
    }

    func parsedCompression() throws -> CompressionCodec {
        guard let codec = CompressionCodec.allCases.first(where: { "\($0)" == compression }) else {
            throw ValidationError("--compression must be none, gzip, snappy, lz4 or zstd")
        }
        return codec
    }

    func run() async throws {
        try await runClientCommand {
            var configuration = ProducerConfiguration(client: try client.clientConfiguration())
            configuration.acks = try parsedAcks()
            configuration.compression = try parsedCompression()
            configuration.linger = .milliseconds(lingerMs)
            configuration.batchSize = batchSize
            let producer = try KafkaProducer(configuration: configuration)
            let recordHeaders = try parseKeyValues(headers, option: "--header").map {
                RecordHeader(key: $0.0, value: ByteBuffer(string: $0.1))
            }
            let separator = keySeparator.map { Array($0.utf8) }
            var lines = StandardInputLines()
            var lineNumber = 0
            let firstError = Mutex<(any Error)?>(nil)
            let report: @Sendable (Result<RecordMetadata, any Error>) -> Void = { result in
                if case .failure(let error) = result { firstError.withLock { $0 = $0 ?? error } }
            }
            do {
                // Sent in line order; delivery reports arrive asynchronously.
                while let line = lines.next(), firstError.withLock({ $0 == nil }) {
                    lineNumber += 1
                    var key: [UInt8]?
                    var value = line
                    if let separator {
                        guard let range = line.firstRange(of: separator) else {
                            throw KafkaClientError.invalidArgument("no key separator on line \(lineNumber)")
                        }
                        key = Array(line[..<range.lowerBound])
                        value = Array(line[range.upperBound...])
                    }
                    try await producer.send(
                        ProducerRecord(topic: topic, partition: partition, key: key, value: value, headers: recordHeaders),
                        onDelivery: report)
                }
            } catch {
                await producer.close()
                throw error
            }
            await producer.close()
            if let error = firstError.withLock({ $0 }) { throw error }
        }
    }
}


/// Lines of standard input as raw bytes, without the trailing newline: values are produced byte for
/// byte, never re-encoded as text.
struct StandardInputLines {
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEOF = false

    mutating func next() -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                return line
            }
            if atEOF {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            buffer.removeFirst(start)
            start = 0
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count <= 0 { atEOF = true } else { buffer.append(contentsOf: chunk[..<count]) }
        }
    }
}
