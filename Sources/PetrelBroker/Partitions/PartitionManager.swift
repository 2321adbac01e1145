import Logging
import PetrelMetadata
import PetrelProtocol
import PetrelStorage
import Synchronization

/// The partitions this broker leads, kept in step with the metadata image: a partition log is created
/// for every partition in the image and deleted when its topic leaves it.
final class PartitionManager: Sendable {
    struct Key: Hashable, Sendable {
        var topic: String
        var partition: Int32
    }

    let logManager: LogManager
    let appends = AppendNotifier()
    private let partitions = Mutex<[Key: Partition]>([:])
    private let logger: Logger

    init(logManager: LogManager, logger: Logger) {
        self.logManager = logManager
        self.logger = logger
    }

    func partition(_ topic: String, _ index: Int32) -> Partition? {
        partitions.withLock { $0[Key(topic: topic, partition: index)] }
    }

    /// Partitions of `topic`, by index.
    func partitions(of topic: String) -> [Partition] {
        partitions.withLock { $0.values.filter { $0.topic == topic }.sorted { $0.index < $1.index } }
    }

    /// Creates missing logs for the image's partitions, gives open logs their topic's current
    /// configuration (overrides set by AlterConfigs, or committed before a restart) and deletes logs of
    /// topics the image no longer has. `logConfig` gives a topic's storage configuration.
    func reconcile(with image: MetadataImage, logConfig: (String) -> LogConfig) async {
        for (name, topic) in image.topics {
            let config = logConfig(name)
            for partition in topic.partitions {
                if let open = self.partition(name, partition.partitionID) {
                    if open.log.config != config { open.log.updateConfig(config) }
                    continue
                }
                do {
                    let log: PartitionLog
                    if let existing = logManager.log(topic: name, partition: partition.partitionID) {
                        existing.updateConfig(config)  // opened at startup with the broker defaults
                        log = existing
                    } else {
                        log = try logManager.createLog(topic: name, partition: partition.partitionID, config: config)
                    }
                    let state = Partition(
                        topic: name, index: partition.partitionID, topicID: topic.id,
                        leaderEpoch: partition.leaderEpoch, log: log)
                    partitions.withLock { $0[Key(topic: name, partition: partition.partitionID)] = state }
                } catch {
                    logger.error(
                        "cannot open partition log",
                        metadata: [LogKey.partition: "\(name)-\(partition.partitionID)", "error": "\(error)"])
                }
            }
        }
        let stale = partitions.withLock { partitions in
            let keys = partitions.keys.filter { key in
                image.topics[key.topic].map { Int(key.partition) >= $0.partitions.count } ?? true
            }
            for key in keys { partitions[key] = nil }
            return keys
        }
        var orphans = Set(stale.map { Key(topic: $0.topic, partition: $0.partition) })
        for log in logManager.allLogs where image.topics[log.topic] == nil && !log.topic.hasPrefix("__cluster_metadata") {
            orphans.insert(Key(topic: log.topic, partition: log.partition))
        }
        for key in orphans {
            do {
                try await logManager.deleteLog(topic: key.topic, partition: key.partition)
                logger.info("deleted partition log", metadata: [LogKey.partition: "\(key.topic)-\(key.partition)"])
            } catch {
                logger.warning(
                    "cannot delete partition log", metadata: [LogKey.partition: "\(key.topic)-\(key.partition)", "error": "\(error)"])
            }
        }
    }
}

extension LogConfig {
    /// Storage's view of a topic's typed configuration.
    init(_ topic: TopicConfiguration, durableAcks: Bool) {
        self.init()
        segmentBytes = topic.segmentBytes
        segmentRollInterval = topic.segmentAge
        segmentIndexBytes = topic.segmentIndexBytes
        indexIntervalBytes = topic.indexIntervalBytes
        retention = topic.retention
        retentionBytes = topic.retentionBytes.map { Int($0) }
        flushMessages = topic.flushMessages == .max ? nil : Int(topic.flushMessages)
        flushInterval = topic.flushInterval
        self.durableAcks = durableAcks
        messageTimestampType = topic.messageTimestampType == .logAppendTime ? .logAppendTime : .createTime
        maxMessageBytes = topic.messageBytesMax
        cleanupPolicy = topic.cleanupPolicy
        deleteRetention = topic.deleteRetention
        minCompactionLag = topic.compactionLagMin
        minCleanableDirtyRatio = topic.cleanableDirtyRatioMin
    }
}
