import ArgumentParser
import PetrelClient
import PetrelProtocol

/// `petrel group list|describe|reset-offsets|delete`: kafka-consumer-groups.
struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group", abstract: "List, describe, reset and delete consumer groups.",
        subcommands: [List.self, Describe.self, ResetOffsets.self, Delete.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List group ids.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await withAdmin(client) { admin in
                for group in try await admin.listGroups() { print(group.groupID) }
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each partition's committed offset, log end offset, lag and owner.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Group id.") var group: String

        func run() async throws {
            try await withAdmin(client) { admin in
                let description = try await admin.describeGroup(group)
                let committed = try await admin.listGroupOffsets(group)
                var owners: [TopicPartition: GroupDescription.Member] = [:]
                for member in description.members {
                    for partition in member.assignment { owners[partition] = member }
                }
                let partitions = Set(committed.keys).union(owners.keys).sorted()
                if partitions.isEmpty && description.members.isEmpty {
                    guard description.state != "Dead" else {
                        throw KafkaClientError.broker(.groupIDNotFound, "group \(group) does not exist")
                    }
                    print("Consumer group '\(group)' has no active members and no committed offsets.")
                    return
                }
                let ends = try await admin.client.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, .latest) }))
                let rows = partitions.map { partition -> [String] in
                    let current = committed[partition]
                    let end = ends[partition]?.offset
                    let lag = current.flatMap { c in end.map { max(0, $0 - c) } }
                    let owner = owners[partition]
                    return [
                        group, partition.topic, "\(partition.partition)", current.map(String.init) ?? "-",
                        end.map(String.init) ?? "-", lag.map(String.init) ?? "-", owner?.memberID ?? "-",
                        owner?.clientHost ?? "-", owner?.clientID ?? "-",
                    ]
                }
                print(formatTable(
                    ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"],
                    rows))
            }
        }
    }

    struct ResetOffsets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-offsets", abstract: "Reset an inactive group's committed offsets for a topic.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Group id.") var group: String
        @Option(help: "Topic whose partitions are reset.") var topic: String
        @Flag(name: .customLong("to-earliest")) var toEarliest = false
        @Flag(name: .customLong("to-latest")) var toLatest = false
        @Option(name: .customLong("to-offset")) var toOffset: Int64?
        @Option(name: .customLong("to-datetime"), help: "ISO-8601, e.g. 2026-01-31T12:00:00.000Z (UTC when no zone).")
        var toDatetime: String?
        @Flag(name: .customLong("dry-run"), help: "Print the new offsets without committing them.") var dryRun = false

        func validate() throws {
            let targets = [toEarliest, toLatest, toOffset != nil, toDatetime != nil].filter { $0 }.count
            guard targets == 1 else {
                throw ValidationError("give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime")
            }
            if let toOffset, toOffset < 0 { throw ValidationError("--to-offset must not be negative") }
            if let toDatetime, ISO8601.milliseconds(toDatetime) == nil {
                throw ValidationError("--to-datetime: '\(toDatetime)' is not an ISO-8601 date-time")
            }
        }

        func run() async throws {
            try await withAdmin(client) { admin in
                let description = try await admin.describeGroup(group)
                guard description.members.isEmpty else {
                    throw KafkaClientError.invalidArgument(
                        "offsets can only be reset if group '\(group)' is inactive; its state is \(description.state)")
                }
                guard let topicDescription = try await admin.describeTopics([topic]).first else { return }
                let partitions = topicDescription.partitions.map { TopicPartition(topic: topic, partition: $0.partition) }
                let earliest = try await admin.client.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, .earliest) }))
                let latest = try await admin.client.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, .latest) }))
                var target: [TopicPartition: Int64] = [:]
                if let toDatetime, let ms = ISO8601.milliseconds(toDatetime) {
                    let found = try await admin.client.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, .timestamp(ms)) }))
                    for partition in partitions {
                        let offset = found[partition]?.offset ?? -1
                        target[partition] = offset >= 0 ? offset : latest[partition]?.offset ?? 0
                    }
                } else {
                    for partition in partitions {
                        let low = earliest[partition]?.offset ?? 0
                        let high = latest[partition]?.offset ?? 0
                        // Like kafka-consumer-groups, an offset outside the log is clamped into it.
                        target[partition] = toEarliest ? low : toLatest ? high : min(max(toOffset ?? 0, low), high)
                    }
                }
                if !dryRun { try await admin.alterGroupOffsets(group, offsets: target) }
                print(formatTable(
                    ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"],
                    target.sorted { $0.key < $1.key }.map { [group, $0.key.topic, "\($0.key.partition)", "\($0.value)"] }))
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an inactive group and its offsets.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Group id.") var group: String

        func run() async throws {
            try await withAdmin(client) { admin in
                try await admin.deleteGroups([group])
                print("Deletion of requested consumer groups ('\(group)') was successful.")
            }
        }
    }
}

/// ISO-8601 date-times as Kafka timestamps, without Foundation: `YYYY-MM-DDTHH:MM[:SS[.fff]]` with an
/// optional `Z` or `±HH:MM` zone (UTC when absent).
enum ISO8601 {
    static func milliseconds(_ text: String) -> Int64? {
        let chars = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int64? {
            guard index + digits <= chars.count else { return nil }
            var value: Int64 = 0
            for c in chars[index..<(index + digits)] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) else { return nil }
                value = value * 10 + Int64(c - UInt8(ascii: "0"))
            }
            index += digits
            return value
        }
        func expect(_ c: Character) -> Bool {
            guard index < chars.count, chars[index] == c.asciiValue else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            expect("T"), let hour = number(2), expect(":"), let minute = number(2)
        else { return nil }
        var second: Int64 = 0
        var millis: Int64 = 0
        if expect(":") {
            guard let s = number(2) else { return nil }
            second = s
            if expect(".") {
                var scale: Int64 = 100
                var digits = 0
                while index < chars.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(chars[index]) {
                    millis += Int64(chars[index] - UInt8(ascii: "0")) * scale
                    scale /= 10
                    index += 1
                    digits += 1
                }
                guard digits > 0 else { return nil }
            }
        }
        var offsetMinutes: Int64 = 0
        if expect("Z") {
        } else if index < chars.count, chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-") {
            let sign: Int64 = chars[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let h = number(2), expect(":"), let m = number(2) else { return nil }
            offsetMinutes = sign * (h * 60 + m)
        }
        guard index == chars.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + millis
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
