import ArgumentParser
import NIOCore
import PetrelClient
import PetrelProtocol

/// `petrel consume TOPIC`: prints records (kafka-console-consumer). With `--group` it joins the group
/// and commits the offsets of the records it printed.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "consume", abstract: "Print records of a topic.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case value
        case keyValue = "key-value"
        case json
    }

    @OptionGroup var client: ClientOptions
    @Argument(help: "Topic to consume.") var topic: String
    @Flag(name: .customLong("from-beginning"), help: "Start at the earliest offset (with --group: when none is committed).")
    var fromBeginning = false
    @Option(help: "Start at this offset of --partition.") var offset: Int64?
    @Option(help: "Consume only this partition.") var partition: Int32?
    @Option(name: .customLong("from-timestamp"), help: "Start at the first record at or after this time (ms since epoch).")
    var fromTimestamp: Int64?
    @Option(help: "Consumer group to join; offsets of printed records are committed.") var group: String?
    @Option(name: .customLong("max-messages"), help: "Exit after printing this many records.") var maxMessages: Int?
    @Option(name: .customLong("timeout-ms"), help: "Exit when no record arrives for this long.") var timeoutMs: Int?
    @Option(help: "Output: value, key-value (tab-separated) or json.") var format = Format.value
    @Option(name: .customLong("isolation-level"), help: "read_uncommitted or read_committed.")
    var isolationLevel = "read_uncommitted"
    @Option(name: .customLong("assignment-strategy"), help: "With --group: range, roundrobin or cooperative-sticky.")
    var assignmentStrategy: String?

    func validate() throws {
        let starts = [fromBeginning, offset != nil, fromTimestamp != nil].filter { $0 }.count
        guard starts <= 1 else { throw ValidationError("give only one of --from-beginning, --offset, --from-timestamp") }
        if offset != nil && partition == nil { throw ValidationError("--offset needs --partition") }
        if let offset, offset < 0 { throw ValidationError("--offset must not be negative") }
        if group != nil && (offset != nil || fromTimestamp != nil || partition != nil) {
            throw ValidationError("--group cannot be combined with --offset, --partition or --from-timestamp")
        }
        if let maxMessages, maxMessages < 1 { throw ValidationError("--max-messages must be at least 1") }
        if let timeoutMs, timeoutMs < 0 { throw ValidationError("--timeout-ms must not be negative") }
        guard ["read_uncommitted", "read_committed"].contains(isolationLevel) else {
            throw ValidationError("--isolation-level must be read_uncommitted or read_committed")
        }
        if let assignmentStrategy, PartitionAssignors.named(assignmentStrategy) == nil {
            throw ValidationError("--assignment-strategy must be range, roundrobin or cooperative-sticky")
        }
    }

    func run() async throws {
        try await runClientCommand {
            var configuration = ConsumerConfiguration(client: try client.clientConfiguration())
            configuration.groupID = group
            configuration.enableAutoCommit = false  // commit exactly what was printed, below
            configuration.autoOffsetReset = fromBeginning ? .earliest : .latest
            configuration.isolationLevel = isolationLevel == "read_committed" ? .readCommitted : .readUncommitted
            if let assignmentStrategy, let assignor = PartitionAssignors.named(assignmentStrategy) {
                configuration.assignors = [assignor]
            }
            let consumer = KafkaConsumer(configuration: configuration)
            do {
                try await consume(with: consumer)
            } catch {
                await consumer.close()
                throw error
            }
            await consumer.close()
        }
    }

    private func consume(with consumer: KafkaConsumer) async throws {
        if group != nil {
            try await consumer.subscribe(topics: [topic])
        } else {
            let admin = KafkaAdmin(client: consumer.client)
            guard let description = try await admin.describeTopics([topic]).first else { return }
            let partitions = description.partitions.map { TopicPartition(topic: topic, partition: $0.partition) }
                .filter { partition == nil || $0.partition == partition }
            guard !partitions.isEmpty else { throw KafkaClientError.broker(.unknownTopicOrPartition, "\(topic)-\(partition ?? -1)") }
            try await consumer.assign(partitions)
            if let offset, let first = partitions.first {
                try await consumer.seek(first, to: offset)
            } else if let fromTimestamp {
                try await consumer.seek(partitions, to: .timestamp(fromTimestamp))
            } else {
                try await consumer.seek(partitions, to: fromBeginning ? .earliest : .latest)
            }
        }
        var printed = 0
        var consumed: [TopicPartition: Int64] = [:]
        var idleSince = ContinuousClock.now
        while maxMessages.map({ printed < $0 }) ?? true {
            let records = try await consumer.poll(timeout: .milliseconds(200))
            if records.isEmpty {
                if let timeoutMs, ContinuousClock.now - idleSince >= .milliseconds(timeoutMs) { break }
                continue
            }
            idleSince = .now
            for record in records {
                print(render(record))
                consumed[TopicPartition(topic: record.topic, partition: record.partition)] = record.offset + 1
                printed += 1
                if let maxMessages, printed >= maxMessages { break }
            }
            if group != nil { try await consumer.commit(consumed) }
        }
        if group != nil { try await consumer.commit(consumed) }
    }

    private func render(_ record: ConsumerRecord) -> String {
        switch format {
        case .value:
            return text(record.value)
        case .keyValue:
            return "\(text(record.key))\t\(text(record.value))"
        case .json:
            let headers = record.headers.map { header in
                "{\"key\":\(JSON.string(header.key)),\"value\":\(header.value.map { JSON.string(String(buffer: $0)) } ?? "null")}"
            }
            return "{\"partition\":\(record.partition),\"offset\":\(record.offset),\"timestamp\":\(record.timestamp),"
                + "\"key\":\(record.key.map { JSON.string(String(decoding: $0, as: UTF8.self)) } ?? "null"),"
                + "\"value\":\(record.value.map { JSON.string(String(decoding: $0, as: UTF8.self)) } ?? "null"),"
                + "\"headers\":[\(headers.joined(separator: ","))]}"
        }
    }

    /// Bytes as text; a null key or value prints `null`, as kafka-console-consumer does.
    private func text(_ bytes: [UInt8]?) -> String {
        bytes.map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}

/// Minimal JSON output (strings escaped per RFC 8259), enough for one record per line.
enum JSON {
    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
