import ArgumentParser
import PetrelClient

/// `petrel topic create|list|describe|delete|alter-config`: kafka-topics and kafka-configs for topics.
struct TopicCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topic", abstract: "Create, list, describe, delete and configure topics.",
        subcommands: [Create.self, List.self, Describe.self, Delete.self, AlterConfig.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a topic.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Topic name.") var name: String
        @Option(help: "Partition count (broker default when omitted).") var partitions: Int32?
        @Option(name: .customLong("replication-factor"), help: "Replication factor (broker default when omitted).")
        var replicationFactor: Int16?
        @Option(name: .customLong("config"), help: "Topic config key=value; repeatable.") var configs: [String] = []

        func validate() throws {
            if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
            if let replicationFactor, replicationFactor < 1 { throw ValidationError("--replication-factor must be at least 1") }
            _ = try parseKeyValues(configs, option: "--config")
        }

        func run() async throws {
            try await withAdmin(client) { admin in
                let configs = Dictionary(try parseKeyValues(configs, option: "--config"), uniquingKeysWith: { _, last in last })
                try await admin.createTopics([
                    NewTopic(name: name, numPartitions: partitions ?? -1, replicationFactor: replicationFactor ?? -1, configs: configs)
                ])
                print("Created topic \(name).")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List topic names.")
        @OptionGroup var client: ClientOptions
        @Flag(name: .customLong("include-internal"), help: "Include internal topics such as __consumer_offsets.")
        var includeInternal = false

        func run() async throws {
            try await withAdmin(client) { admin in
                for name in try await admin.listTopics(includeInternal: includeInternal) { print(name) }
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe one topic, or all topics.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Topic name (all topics when omitted).") var name: String?

        func run() async throws {
            try await withAdmin(client) { admin in
                for topic in try await admin.describeTopics(name.map { [$0] }) {
                    let configs = try await topicConfigOverrides(admin, topic.name)
                    let replicationFactor = topic.partitions.first?.replicas.count ?? 0
                    print(
                        "Topic: \(topic.name)\tTopicId: \(topic.topicID)\tPartitionCount: \(topic.partitions.count)"
                            + "\tReplicationFactor: \(replicationFactor)\tConfigs: \(configs.joined(separator: ","))")
                    for partition in topic.partitions {
                        let list = { (ids: [Int32]) in ids.map(String.init).joined(separator: ",") }
                        print(
                            "\tTopic: \(topic.name)\tPartition: \(partition.partition)\tLeader: \(partition.leaderID)"
                                + "\tReplicas: \(list(partition.replicas))\tIsr: \(list(partition.isr))")
                    }
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a topic.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Topic name.") var name: String

        func run() async throws {
            try await withAdmin(client) { admin in
                try await admin.deleteTopics([name])
                print("Deleted topic \(name).")
            }
        }
    }

    struct AlterConfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "alter-config", abstract: "Set or delete topic configs (IncrementalAlterConfigs).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Topic name.") var name: String
        @Option(name: .customLong("set"), help: "key=value to set; repeatable.") var sets: [String] = []
        @Option(name: .customLong("delete"), help: "Config key to reset to its default; repeatable.") var deletes: [String] = []

        func validate() throws {
            guard !sets.isEmpty || !deletes.isEmpty else { throw ValidationError("give at least one --set or --delete") }
            _ = try parseKeyValues(sets, option: "--set")
        }

        func run() async throws {
            try await withAdmin(client) { admin in
                let set = Dictionary(try parseKeyValues(sets, option: "--set"), uniquingKeysWith: { _, last in last })
                try await admin.alterConfigs(.topic, name: name, set: set, delete: deletes)
                print("Completed updating config for topic \(name).")
            }
        }
    }
}

/// The topic's configs set on the topic itself (`DYNAMIC_TOPIC_CONFIG`), as `key=value`; none when the
/// broker does not serve DescribeConfigs.
private func topicConfigOverrides(_ admin: KafkaAdmin, _ topic: String) async throws(KafkaClientError) -> [String] {
    do {
        return try await admin.describeConfigs(.topic, name: topic)
            .filter { $0.source == 1 }
            .map { "\($0.name)=\($0.isSensitive ? "<sensitive>" : ($0.value ?? "null"))" }
    } catch where error.isUnsupportedVersion {
        return []
    }
}
