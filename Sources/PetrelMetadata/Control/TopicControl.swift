import PetrelProtocol

/// The controller's topic operations for a single-node cluster. Each returns the metadata records to
/// append (or why it is refused) and never changes the image itself: the image advances only when the
/// records are applied after they are durable in the metadata log.
public struct TopicControl: Sendable {
    /// Brokers that can host replicas (one voter, one broker on a single node).
    public var brokers: [Int32]
    /// `num.partitions` and `default.replication.factor`, used for -1 in requests.
    public var defaultPartitions: Int32
    public var defaultReplicationFactor: Int16

    public init(brokers: [Int32], defaultPartitions: Int32, defaultReplicationFactor: Int16) {
        self.brokers = brokers
        self.defaultPartitions = defaultPartitions
        self.defaultReplicationFactor = defaultReplicationFactor
    }

    /// A topic to create: -1 partitions or replication factor means the broker default;
    /// `assignments` (replicas per partition, in partition order) excludes both.
    public struct NewTopic: Sendable {
        public var name: String
        public var numPartitions: Int32 = -1
        public var replicationFactor: Int16 = -1
        public var assignments: [[Int32]] = []
        /// Topic-level configs, already validated against the config table by the caller.
        public var configs: [String: String] = [:]

        public init(name: String) { self.name = name }
    }

    /// Kafka's rules: `[a-zA-Z0-9._-]`, 1 to 249 characters, not `.` or `..`.
    public static func validateTopicName(_ name: String) throws(ControllerError) {
        guard !name.isEmpty else { throw ControllerError(.invalidTopic, "Topic name is illegal, it can't be empty") }
        guard name != "." && name != ".." else {
            throw ControllerError(.invalidTopic, "Topic name cannot be \".\" or \"..\"")
        }
        guard name.utf8.count <= 249 else {
            throw ControllerError(.invalidTopic, "Topic name is illegal, it can't be longer than 249 characters")
        }
        let legal = name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        guard legal else {
            throw ControllerError(
                .invalidTopic,
                "Topic name \(name) is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'")
        }
    }

    /// The records creating `topic` with id `topicID` in `image`: TopicRecord, one PartitionRecord per
    /// partition (leader = first replica, leader epoch 0), and a ConfigRecord per config.
    public func createTopic(
        _ topic: NewTopic, topicID: Uuid, in image: MetadataImage
    ) throws(ControllerError) -> [MetadataRecord] {
        try Self.validateTopicName(topic.name)
        guard image.topics[topic.name] == nil else {
            throw ControllerError(.topicAlreadyExists, "Topic '\(topic.name)' already exists.")
        }
        // '.' and '_' collide in metric names; Kafka refuses such pairs.
        let normalized = Self.collisionKey(topic.name)
        if let other = image.topics.keys.first(where: { Self.collisionKey($0) == normalized }) {
            throw ControllerError(
                .invalidTopic, "Topic '\(topic.name)' collides with existing topic: \(other)")
        }
        let assignments = try replicaAssignments(
            partitions: topic.numPartitions, replicationFactor: topic.replicationFactor,
            explicit: topic.assignments, firstPartition: 0)
        var records: [MetadataRecord] = []
        var topicRecord = TopicRecord()
        topicRecord.name = topic.name
        topicRecord.topicID = topicID
        records.append(.topic(topicRecord))
        for (index, replicas) in assignments.enumerated() {
            records.append(.partition(Self.partitionRecord(topicID: topicID, partition: Int32(index), replicas: replicas)))
        }
        for (name, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
            records.append(.config(Self.configRecord(resource: ConfigResource(type: .topic, name: topic.name), name, value)))
        }
        return records
    }

    /// The records deleting topic `name`.
    public func deleteTopic(named name: String, in image: MetadataImage) throws(ControllerError) -> [MetadataRecord] {
        guard let topic = image.topics[name] else {
            throw ControllerError(.unknownTopicOrPartition, "This server does not host this topic-partition.")
        }
        var record = RemoveTopicRecord()
        record.topicID = topic.id
        return [.removeTopic(record)]
    }

    /// The records growing topic `name` to `totalCount` partitions.
    public func createPartitions(
        topic name: String, totalCount: Int32, assignments: [[Int32]], in image: MetadataImage
    ) throws(ControllerError) -> [MetadataRecord] {
        guard let topic = image.topics[name] else {
            throw ControllerError(.unknownTopicOrPartition, "The topic '\(name)' does not exist.")
        }
        let current = Int32(topic.partitions.count)
        guard totalCount > current else {
            throw ControllerError(
                .invalidPartitions,
                "Topic currently has \(current) partitions, which is higher than the requested \(totalCount).")
        }
        let replicationFactor = Int16(clamping: topic.partitions.first?.replicas.count ?? 1)
        let added = try replicaAssignments(
            partitions: totalCount - current, replicationFactor: replicationFactor, explicit: assignments,
            firstPartition: current)
        return added.enumerated().map { index, replicas in
            .partition(Self.partitionRecord(topicID: topic.id, partition: current + Int32(index), replicas: replicas))
        }
    }

    /// ConfigRecords setting (`value` non-nil) or removing (nil) configs of `resource`.
    public func alterConfigs(
        _ changes: [(name: String, value: String?)], of resource: ConfigResource, in image: MetadataImage
    ) throws(ControllerError) -> [MetadataRecord] {
        if resource.type == .topic, image.topics[resource.name] == nil {
            throw ControllerError(.unknownTopicOrPartition, "Topic \(resource.name) does not exist.")
        }
        return changes.map { .config(Self.configRecord(resource: resource, $0.name, $0.value)) }
    }

    /// The record reserving `count` producer ids starting at `image.nextProducerID`.
    public func allocateProducerIDs(count: Int64, brokerID: Int32, in image: MetadataImage) -> MetadataRecord {
        var record = ProducerIdsRecord()
        record.brokerID = brokerID
        record.nextProducerID = image.nextProducerID + count
        return .producerIDs(record)
    }

    private func replicaAssignments(
        partitions: Int32, replicationFactor: Int16, explicit: [[Int32]], firstPartition: Int32
    ) throws(ControllerError) -> [[Int32]] {
        if !explicit.isEmpty {
            if firstPartition == 0, partitions != -1 || replicationFactor != -1 {
                throw ControllerError(
                    .invalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set.")
            }
            if firstPartition > 0, Int32(explicit.count) != partitions {
                throw ControllerError(
                    .invalidReplicaAssignment,
                    "Increasing the number of partitions by \(partitions) but \(explicit.count) assignments provided.")
            }
            for replicas in explicit {
                guard !replicas.isEmpty else {
                    throw ControllerError(.invalidReplicaAssignment, "The manual partition assignment includes an empty replica list.")
                }
                guard Set(replicas).count == replicas.count else {
                    throw ControllerError(.invalidReplicaAssignment, "The manual partition assignment includes duplicate replicas.")
                }
                if let unknown = replicas.first(where: { !brokers.contains($0) }) {
                    throw ControllerError(
                        .invalidReplicaAssignment,
                        "The manual partition assignment includes broker \(unknown), but no such broker is registered.")
                }
            }
            return explicit
        }
        let count = partitions == -1 ? defaultPartitions : partitions
        let factor = replicationFactor == -1 ? defaultReplicationFactor : replicationFactor
        guard count > 0 else {
            throw ControllerError(.invalidPartitions, "Number of partitions was set to an invalid non-positive value.")
        }
        guard factor > 0 else {
            throw ControllerError(.invalidReplicationFactor, "Replication factor must be larger than 0.")
        }
        guard Int(factor) <= brokers.count else {
            throw ControllerError(
                .invalidReplicationFactor,
                "Unable to replicate the partition \(factor) time(s): The target replication factor of \(factor) cannot be reached because only \(brokers.count) broker(s) are registered.")
        }
        // Round-robin placement: partition p starts at broker p mod n.
        return (0..<count).map { partition in
            (0..<Int(factor)).map { replica in brokers[(Int(partition) + replica) % brokers.count] }
        }
    }

    private static func partitionRecord(topicID: Uuid, partition: Int32, replicas: [Int32]) -> PartitionRecord {
        var record = PartitionRecord()
        record.topicID = topicID
        record.partitionID = partition
        record.replicas = replicas
        record.isr = replicas
        record.leader = replicas[0]
        record.leaderEpoch = 0
        record.partitionEpoch = 0
        return record
    }

    private static func configRecord(resource: ConfigResource, _ name: String, _ value: String?) -> ConfigRecord {
        var record = ConfigRecord()
        record.resourceType = resource.type.rawValue
        record.resourceName = resource.name
        record.name = name
        record.value = value
        return record
    }

    private static func collisionKey(_ name: String) -> String {
        String(name.map { $0 == "." ? "_" : $0 })
    }
}

/// Why the controller refused an operation; the broker maps `code` to the Kafka error code.
public struct ControllerError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable {
        case invalidTopic
        case topicAlreadyExists
        case unknownTopicOrPartition
        case invalidPartitions
        case invalidReplicationFactor
        case invalidReplicaAssignment
        case invalidRequest
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
