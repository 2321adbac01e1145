import PetrelProtocol

/// The cluster's metadata at one point of the metadata log: an immutable value built only by
/// `applying` records, so live changes, restart replay and tests share one code path (KRaft's model).
public struct MetadataImage: Hashable, Sendable {
    public let clusterID: String
    /// Topics by name.
    public private(set) var topics: [String: TopicImage] = [:]
    /// Topic names by id.
    public private(set) var topicNames: [Uuid: String] = [:]
    /// Non-default configs per resource (`ConfigRecord`s with a null value remove a key).
    public private(set) var configs: [ConfigResource: [String: String]] = [:]
    /// The first producer id not yet handed out (`ProducerIdsRecord.nextProducerID`).
    public private(set) var nextProducerID: Int64 = 0
    /// Offset of the last record applied in the metadata log (-1: none).
    public private(set) var lastAppliedOffset: Int64 = -1

    public init(clusterID: String) {
        self.clusterID = clusterID
    }

    public func topic(id: Uuid) -> TopicImage? {
        topicNames[id].flatMap { topics[$0] }
    }

    public func configs(of resource: ConfigResource) -> [String: String] {
        configs[resource] ?? [:]
    }

    /// The image after `record`, logged at `offset`. A record that contradicts the image (a partition
    /// of an unknown topic, a duplicate topic) throws: the log is corrupt or from another cluster.
    public func applying(_ record: MetadataRecord, offset: Int64) throws(MetadataImageError) -> MetadataImage {
        var next = self
        try next.apply(record)
        next.lastAppliedOffset = offset
        return next
    }

    private mutating func apply(_ record: MetadataRecord) throws(MetadataImageError) {
        switch record {
        case .topic(let record):
            guard topics[record.name] == nil, topicNames[record.topicID] == nil else {
                throw MetadataImageError("TopicRecord for existing topic \(record.name) (\(record.topicID))")
            }
            topics[record.name] = TopicImage(name: record.name, id: record.topicID, partitions: [])
            topicNames[record.topicID] = record.name
        case .partition(let record):
            guard let name = topicNames[record.topicID], var topic = topics[name] else {
                throw MetadataImageError("PartitionRecord for unknown topic id \(record.topicID)")
            }
            guard record.partitionID == Int32(topic.partitions.count) else {
                throw MetadataImageError("PartitionRecord \(record.partitionID) of \(name) out of order")
            }
            topic.partitions.append(
                PartitionImage(
                    partitionID: record.partitionID, replicas: record.replicas, isr: record.isr,
                    leader: record.leader, leaderEpoch: record.leaderEpoch, partitionEpoch: record.partitionEpoch))
            topics[name] = topic
        case .partitionChange(let record):
            guard let name = topicNames[record.topicID], var topic = topics[name],
                topic.partitions.indices.contains(Int(record.partitionID))
            else {
                throw MetadataImageError("PartitionChangeRecord for unknown partition \(record.topicID)-\(record.partitionID)")
            }
            var partition = topic.partitions[Int(record.partitionID)]
            if let isr = record.isr { partition.isr = isr }
            if let replicas = record.replicas { partition.replicas = replicas }
            // -2 means "leader unchanged"; a leader change starts a new leader epoch.
            if record.leader != -2 {
                partition.leader = record.leader
                partition.leaderEpoch += 1
            }
            partition.partitionEpoch += 1
            topic.partitions[Int(record.partitionID)] = partition
            topics[name] = topic
        case .removeTopic(let record):
            guard let name = topicNames.removeValue(forKey: record.topicID) else {
                throw MetadataImageError("RemoveTopicRecord for unknown topic id \(record.topicID)")
            }
            topics[name] = nil
            configs[ConfigResource(type: .topic, name: name)] = nil
        case .config(let record):
            guard let type = ConfigResource.ResourceType(rawValue: record.resourceType) else {
                throw MetadataImageError("ConfigRecord for unknown resource type \(record.resourceType)")
            }
            let resource = ConfigResource(type: type, name: record.resourceName)
            var values = configs[resource] ?? [:]
            values[record.name] = record.value
            configs[resource] = values.isEmpty ? nil : values
        case .producerIDs(let record):
            guard record.nextProducerID >= nextProducerID else {
                throw MetadataImageError("ProducerIdsRecord moves next producer id back to \(record.nextProducerID)")
            }
            nextProducerID = record.nextProducerID
        case .other:
            break
        }
    }
}

public struct TopicImage: Hashable, Sendable {
    public var name: String
    public var id: Uuid
    /// Indexed by partition id.
    public var partitions: [PartitionImage]
}

public struct PartitionImage: Hashable, Sendable {
    public var partitionID: Int32
    public var replicas: [Int32]
    public var isr: [Int32]
    /// -1 when the partition has no leader.
    public var leader: Int32
    public var leaderEpoch: Int32
    public var partitionEpoch: Int32
}

/// A config owner, with Kafka's `ConfigResource.Type` numbering.
public struct ConfigResource: Hashable, Sendable {
    public enum ResourceType: Int8, Hashable, Sendable {
        case topic = 2
        case broker = 4
    }

    public var type: ResourceType
    public var name: String

    public init(type: ResourceType, name: String) {
        self.type = type
        self.name = name
    }
}

public struct MetadataImageError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
