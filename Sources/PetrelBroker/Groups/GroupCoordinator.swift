import Logging
import PetrelCoordinator
import PetrelMetadata
import PetrelProtocol

/// The broker's group coordinator: one `CoordinatorShardRunner` per `__consumer_offsets` partition (on a
/// single node this broker leads them all), loaded in the background at start.
///
/// `__consumer_offsets` is created on first start, compacted, with `offsets.topic.num.partitions`
/// partitions and one replica. Its partition count is read back from the metadata image afterwards, so
/// changing the setting later does not move groups to other partitions (Kafka's rule too).
final class GroupCoordinator: Sendable {
    let partitionCount: Int32
    private let runners: [CoordinatorShardRunner]
    private let loading: Task<Void, Never>

    private init(runners: [CoordinatorShardRunner]) {
        self.partitionCount = Int32(runners.count)
        self.runners = runners
        self.loading = Task {
            for runner in runners { await runner.load() }
        }
    }

    /// Creates `__consumer_offsets` if missing and starts loading every shard. Until a shard is loaded its
    /// groups get COORDINATOR_LOAD_IN_PROGRESS.
    static func start(services: BrokerServices, logger: Logger) async throws -> GroupCoordinator {
        let groups = services.configuration.groups
        var image = services.metadata.image
        if image.topics[OffsetsTopicWriter.topic] == nil {
            var topic = TopicControl.NewTopic(name: OffsetsTopicWriter.topic)
            topic.numPartitions = groups.offsetsTopicNumPartitions
            topic.replicationFactor = 1
            topic.configs = ["cleanup.policy": "compact"]
            _ = try await services.createTopic(topic, validateOnly: false)
            image = services.metadata.image
            logger.info(
                "created \(OffsetsTopicWriter.topic)", metadata: ["partitions": "\(groups.offsetsTopicNumPartitions)"])
        }
        let count = image.topics[OffsetsTopicWriter.topic]?.partitions.count ?? 0
        var config = GroupCoordinatorConfig()
        config.sessionTimeoutMin = groups.sessionTimeoutMin
        config.sessionTimeoutMax = groups.sessionTimeoutMax
        config.initialRebalanceDelay = groups.initialRebalanceDelay
        config.groupSizeMax = Int(groups.sizeMax)
        config.offsetsRetention = groups.offsetsRetention
        config.offsetsRetentionCheckInterval = groups.offsetsRetentionCheckInterval
        let writer = OffsetsTopicWriter(
            partitions: services.partitions, maxBatchBytes: services.configuration.network.requestBytesMax)
        let runners = (0..<Int32(count)).map {
            CoordinatorShardRunner(partition: $0, config: config, writer: writer, logger: logger)
        }
        return GroupCoordinator(runners: runners)
    }

    /// The shard of `groupID`, nil when this broker does not lead its partition (NOT_COORDINATOR).
    func runner(for groupID: String) -> CoordinatorShardRunner? {
        guard partitionCount > 0 else { return nil }
        let partition = GroupCoordinatorPartitioner.partition(for: groupID, partitionCount: partitionCount)
        return runners[Int(partition)]
    }

    /// Whether this broker leads `partition` of `__consumer_offsets` (FindCoordinator).
    func leads(_ partition: Int32) -> Bool {
        partition >= 0 && partition < partitionCount
    }

    var allRunners: [CoordinatorShardRunner] { runners }

    /// Answers parked requests with NOT_COORDINATOR and stops timers, so connections can drain; waits for
    /// appends in flight.
    func shutdown() async {
        loading.cancel()
        await loading.value
        for runner in runners { await runner.unload() }
    }
}
