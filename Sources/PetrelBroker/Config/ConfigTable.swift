/// The one table of every config key Petrel reads (Kafka's `ConfigDef`). It drives `server.properties`
/// and `--override` parsing, DescribeConfigs (values, synonyms, sources, types, docs), topic config
/// validation and the README's config section. Names and defaults are Kafka's unless marked Petrel-only.
public enum ConfigTable {
    static let hour: Int64 = 3_600_000
    static let minute: Int64 = 60_000

    public static let broker: [ConfigDefinition] = [
        ConfigDefinition(
            "node.id", .int, default: .integer(1), .atLeast(0),
            doc: "The id of this broker; must match meta.properties in the log dirs."),
        ConfigDefinition(
            "listeners", .list, default: .list(["PLAINTEXT://:9092"]), .listeners,
            doc: "Comma-separated NAME://host:port to listen on; an empty host binds all interfaces, port 0 picks a free port. Only PLAINTEXT is served."),
        ConfigDefinition(
            "advertised.listeners", .list, default: nil, .listeners,
            doc: "Listeners given to clients in Metadata; when unset, `listeners` with an empty host replaced by this machine's host name."),
        ConfigDefinition(
            "log.dirs", .list, default: nil, .nonEmptyList,
            doc: "Directories holding the partition logs; when unset, `log.dir` is used. Petrel uses the first."),
        ConfigDefinition(
            "log.dir", .string, default: .string("./data"),
            doc: "The log directory, used when `log.dirs` is unset."),
        ConfigDefinition(
            "num.partitions", .int, default: .integer(1), .atLeast(1),
            doc: "Partitions of an auto-created topic, and of CreateTopics asking for -1."),
        ConfigDefinition(
            "default.replication.factor", .int, default: .integer(1), .atLeast(1),
            doc: "Replication factor of auto-created topics and of CreateTopics asking for -1."),
        ConfigDefinition(
            "auto.create.topics.enable", .boolean, default: .boolean(true),
            doc: "Create a topic when a client asks Metadata for one that does not exist."),
        ConfigDefinition(
            "message.max.bytes", .int, default: .integer(1_048_588), .atLeast(0),
            topic: TopicSynonym("max.message.bytes"),
            doc: "Largest record batch (after compression) the broker accepts."),
        ConfigDefinition(
            "socket.request.max.bytes", .int, default: .integer(104_857_600), .atLeast(1),
            doc: "Largest request frame; a larger size prefix closes the connection before buffering."),
        ConfigDefinition(
            "connections.max.idle.ms", .long, default: .integer(600_000), .atLeast(1),
            doc: "Idle connections are closed after this many milliseconds."),
        ConfigDefinition(
            "log.retention.ms", .long, default: nil, .atLeast(-1),
            topic: TopicSynonym("retention.ms"),
            doc: "Time to keep a log segment before deleting it; -1 keeps it forever. Takes precedence over the minutes and hours keys."),
        ConfigDefinition(
            "log.retention.minutes", .int, default: nil, topic: TopicSynonym("retention.ms", factor: minute),
            doc: "Retention in minutes, used when `log.retention.ms` is unset."),
        ConfigDefinition(
            "log.retention.hours", .int, default: .integer(168), topic: TopicSynonym("retention.ms", factor: hour),
            doc: "Retention in hours, used when the ms and minutes keys are unset."),
        ConfigDefinition(
            "log.retention.bytes", .long, default: .integer(-1), topic: TopicSynonym("retention.bytes"),
            doc: "Largest size of a partition log before old segments are deleted; -1 means no limit."),
        ConfigDefinition(
            "log.retention.check.interval.ms", .long, default: .integer(300_000), .atLeast(1),
            doc: "How often the retention check runs."),
        ConfigDefinition(
            "log.flush.offset.checkpoint.interval.ms", .int, default: .integer(60_000), .atLeast(0),
            doc: "How often the recovery points (with log start offsets and cleaner offsets) are checkpointed: after a crash, recovery rescans only what lies above them."),
        ConfigDefinition(
            "log.segment.bytes", .int, default: .integer(1_073_741_824), .atLeast(14),
            topic: TopicSynonym("segment.bytes"),
            doc: "Size at which a log segment rolls."),
        ConfigDefinition(
            "log.roll.ms", .long, default: nil, .atLeast(1), topic: TopicSynonym("segment.ms"),
            doc: "Age at which a log segment rolls; takes precedence over `log.roll.hours`."),
        ConfigDefinition(
            "log.roll.hours", .int, default: .integer(168), .atLeast(1), topic: TopicSynonym("segment.ms", factor: hour),
            doc: "Age in hours at which a log segment rolls, used when `log.roll.ms` is unset."),
        ConfigDefinition(
            "log.flush.interval.messages", .long, default: .integer(Int64.max), .atLeast(1),
            topic: TopicSynonym("flush.messages"),
            doc: "Records appended to a partition before it is fsynced (besides durable acks)."),
        ConfigDefinition(
            "log.flush.interval.ms", .long, default: nil, .atLeast(0), topic: TopicSynonym("flush.ms"),
            doc: "Longest time data sits unflushed; when unset, `log.flush.scheduler.interval.ms` is used."),
        ConfigDefinition(
            "log.flush.scheduler.interval.ms", .long, default: .integer(Int64.max), .atLeast(0),
            topic: TopicSynonym("flush.ms"),
            doc: "How often the flusher checks whether a log needs flushing."),
        ConfigDefinition(
            "log.flush.durable.acks", .boolean, default: .boolean(true),
            doc: "Petrel-only. acks=all produce responses (and offset commits) wait until the batch is fdatasync'ed, group-committed through the I/O ring; acks=1 is answered once written, as in Kafka. false restores Kafka's page-cache behaviour for acks=all too."),
        ConfigDefinition(
            "log.flush.durable.interval.ms", .long, default: .integer(10), .atLeast(0),
            doc: "Petrel-only. Group-commit window of durable acks: after an fdatasync round that covered several appends, the next starts once this interval has passed or no durable append arrived for 2 ms, and covers every append then waiting. Producers that keep sending share fewer fdatasyncs (each a cache flush, costly for the disk and for a VM's host) at up to this much added acks=all latency; clients waiting for their acks wait 2-3 ms more; a lone one is never held back. 0 starts a file's fdatasync as soon as its previous one completed."),
        ConfigDefinition(
            "log.io.engine", .string, default: .string("io_uring"), .oneOf(["io_uring", "sync"]),
            doc: "Petrel-only. Segment write engine: io_uring, or sync (pwritev + fdatasync). io_uring falls back to sync when the kernel refuses it."),
        ConfigDefinition(
            "log.cleaner.enable", .boolean, default: .boolean(true),
            doc: "Runs the log cleaner, which compacts `cleanup.policy=compact` topics on a thread of its own."),
        ConfigDefinition(
            "log.cleaner.backoff.ms", .long, default: .integer(15_000), .atLeast(0),
            doc: "Sleep between two log cleaner passes over all logs."),
        ConfigDefinition(
            "log.cleanup.policy", .list, default: .list(["delete"]), .eachOneOf(["delete", "compact"]),
            topic: TopicSynonym("cleanup.policy"),
            doc: "delete (retention by time and size), compact (keep the latest record per key), or both."),
        ConfigDefinition(
            "log.cleaner.delete.retention.ms", .long, default: .integer(86_400_000), .atLeast(0),
            topic: TopicSynonym("delete.retention.ms"),
            doc: "How long tombstones are kept on compacted topics."),
        ConfigDefinition(
            "log.cleaner.min.compaction.lag.ms", .long, default: .integer(0), .atLeast(0),
            topic: TopicSynonym("min.compaction.lag.ms"),
            doc: "Minimum age of a record before it can be compacted."),
        ConfigDefinition(
            "log.cleaner.min.cleanable.ratio", .double, default: .double(0.5), .fraction(0, 1),
            topic: TopicSynonym("min.cleanable.dirty.ratio"),
            doc: "Dirty-to-total ratio above which a log is compacted."),
        ConfigDefinition(
            "log.index.interval.bytes", .int, default: .integer(4096), .atLeast(0),
            topic: TopicSynonym("index.interval.bytes"),
            doc: "Bytes of log between two offset index entries."),
        ConfigDefinition(
            "log.index.size.max.bytes", .int, default: .integer(10_485_760), .atLeast(4),
            topic: TopicSynonym("segment.index.bytes"), aliases: ["log.segment.index.bytes"],
            doc: "Size of the preallocated offset and time indexes; a full index rolls the segment. Also accepted as `log.segment.index.bytes`."),
        ConfigDefinition(
            "log.message.timestamp.type", .string, default: .string("CreateTime"),
            .oneOf(["CreateTime", "LogAppendTime"]), topic: TopicSynonym("message.timestamp.type"),
            doc: "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches with the broker's clock."),
        ConfigDefinition(
            "min.insync.replicas", .int, default: .integer(1), .atLeast(1), topic: TopicSynonym("min.insync.replicas"),
            doc: "Replicas that must be in sync for an acks=all produce to succeed."),
        ConfigDefinition(
            "compression.type", .string, default: .string("producer"),
            .oneOf(["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"]),
            topic: TopicSynonym("compression.type"),
            doc: "Compression of stored batches; producer keeps what the producer sent."),
        ConfigDefinition(
            "offsets.topic.num.partitions", .int, default: .integer(50), .atLeast(1),
            doc: "Partitions of __consumer_offsets (fixed once the topic exists)."),
        ConfigDefinition(
            "offsets.retention.minutes", .int, default: .integer(10080), .atLeast(1),
            doc: "Committed offsets of an empty group are dropped after this many minutes."),
        ConfigDefinition(
            "offsets.retention.check.interval.ms", .long, default: .integer(600_000), .atLeast(1),
            doc: "How often the group coordinator looks for expired committed offsets."),
        ConfigDefinition(
            "group.initial.rebalance.delay.ms", .int, default: .integer(3000), .atLeast(0),
            doc: "Delay before the first rebalance of a new group, to let more members join."),
        ConfigDefinition(
            "group.min.session.timeout.ms", .int, default: .integer(6000), .atLeast(0),
            doc: "Smallest session timeout a consumer may ask for."),
        ConfigDefinition(
            "group.max.session.timeout.ms", .int, default: .integer(1_800_000), .atLeast(0),
            doc: "Largest session timeout a consumer may ask for."),
        ConfigDefinition(
            "group.max.size", .int, default: .integer(Int64(Int32.max)), .atLeast(1),
            doc: "Largest number of members in one consumer group."),
    ]

    /// The broker definition for `name` or one of its aliases.
    public static func brokerDefinition(_ name: String) -> ConfigDefinition? {
        brokerByName[name]
    }

    private static let brokerByName: [String: ConfigDefinition] = {
        var map: [String: ConfigDefinition] = [:]
        for definition in broker {
            map[definition.name] = definition
            for alias in definition.aliases { map[alias] = definition }
        }
        return map
    }()

    /// Topic-level keys in table order. Each takes its type and validator from its first broker synonym
    /// (the one in the topic key's own unit).
    public static let topic: [ConfigDefinition] = {
        var seen: Set<String> = []
        var result: [ConfigDefinition] = []
        for definition in broker {
            guard let synonym = definition.topicSynonym, seen.insert(synonym.topicKey).inserted else { continue }
            precondition(synonym.factor == 1, "the first synonym of \(synonym.topicKey) must share its unit")
            result.append(
                ConfigDefinition(
                    synonym.topicKey, definition.type, default: nil, definition.validator,
                    doc: "Topic-level override of `\(definition.name)`."))
        }
        return result
    }()

    public static func topicDefinition(_ name: String) -> ConfigDefinition? {
        topic.first { $0.name == name }
    }

    /// The broker keys that supply the default of `topicKey`, in precedence order.
    public static func brokerSynonyms(of topicKey: String) -> [ConfigDefinition] {
        broker.filter { $0.topicSynonym?.topicKey == topicKey }
    }
}
