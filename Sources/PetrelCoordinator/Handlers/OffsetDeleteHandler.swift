import PetrelProtocol

/// OffsetDelete v0 ↔ `GroupCoordinatorShard.deleteOffsets`.
extension OffsetDeleteRequest {
    public var topicPartitions: [TopicPartitions] {
        topics.map { TopicPartitions(name: $0.name, partitions: $0.partitions.map(\.partitionIndex)) }
    }
}

extension OffsetDeleteResponse {
    public init(_ result: PartitionErrors) {
        self.init()
        errorCode = result.errorCode.rawValue
        topics = result.topics.map { topic in
            var entry = OffsetDeleteResponseTopic()
            entry.name = topic.name
            entry.partitions = topic.partitions.map { partition in
                var element = OffsetDeleteResponsePartition()
                element.partitionIndex = partition.partition
                element.errorCode = partition.errorCode.rawValue
                return element
            }
            return entry
        }
    }
}
