import PetrelProtocol

/// What a Metadata response says about the cluster: brokers, controller and the topics asked for.
/// A plain value, replaced wholesale on each refresh.
public struct ClusterMetadata: Sendable, Hashable {
    public struct Broker: Sendable, Hashable {
        public var nodeID: Int32
        public var address: BrokerAddress
        public var rack: String?
    }

    public struct Partition: Sendable, Hashable {
        public var partition: Int32
        /// -1 when the partition has no leader (election in progress).
        public var leaderID: Int32
        public var leaderEpoch: Int32
        public var replicas: [Int32]
        public var isr: [Int32]
        public var offlineReplicas: [Int32]
        public var errorCode: KafkaErrorCode
    }

    public struct Topic: Sendable, Hashable {
        public var name: String
        public var topicID: Uuid
        public var isInternal: Bool
        public var errorCode: KafkaErrorCode
        /// Sorted by partition index.
        public var partitions: [Partition]
    }

    public var clusterID: String?
    public var controllerID: Int32
    public var brokers: [Int32: Broker]
    public var topics: [String: Topic]

    init(_ response: MetadataResponse) {
        clusterID = response.clusterID
        controllerID = response.controllerID
        brokers = [:]
        for broker in response.brokers {
            brokers[broker.nodeID] = Broker(
                nodeID: broker.nodeID, address: BrokerAddress(host: broker.host, port: Int(broker.port)), rack: broker.rack)
        }
        topics = [:]
        for topic in response.topics {
            guard let name = topic.name else { continue }
            let partitions = topic.partitions.map {
                Partition(
                    partition: $0.partitionIndex, leaderID: $0.leaderID, leaderEpoch: $0.leaderEpoch,
                    replicas: $0.replicaNodes, isr: $0.isrNodes, offlineReplicas: $0.offlineReplicas,
                    errorCode: KafkaErrorCode(rawValue: $0.errorCode))
            }
            topics[name] = Topic(
                name: name, topicID: topic.topicID, isInternal: topic.isInternal,
                errorCode: KafkaErrorCode(rawValue: topic.errorCode),
                partitions: partitions.sorted { $0.partition < $1.partition })
        }
    }

    /// The leader of `partition`, or nil when unknown (no such topic/partition, or no leader).
    public func leader(of partition: TopicPartition) -> Int32? {
        guard let topic = topics[partition.topic], topic.errorCode == .none,
            let entry = topic.partitions.first(where: { $0.partition == partition.partition }), entry.leaderID >= 0
        else { return nil }
        return entry.leaderID
    }

    /// The partition count of `topic`, or nil when the topic is unknown or in error.
    public func partitionCount(of topic: String) -> Int32? {
        guard let entry = topics[topic], entry.errorCode == .none, !entry.partitions.isEmpty else { return nil }
        return Int32(entry.partitions.count)
    }
}
