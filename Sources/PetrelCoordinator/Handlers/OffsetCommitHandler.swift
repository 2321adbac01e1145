import PetrelProtocol

/// OffsetCommit v0-9 ↔ `GroupCoordinatorShard.commitOffsets`.
extension OffsetCommitParameters {
    /// v0 has no generation or member (a commit from outside group management); v2-4 may carry a retention
    /// time; v1's per-partition commit timestamp is ignored, as Kafka ignores it since 2.1 (the broker's
    /// clock stamps commits).
    public init(_ request: OffsetCommitRequest, version: Int16) {
        self.init(
            groupID: request.groupID, generationID: version >= 1 ? request.generationIDOrMemberEpoch : -1,
            memberID: version >= 1 ? request.memberID : "", groupInstanceID: request.groupInstanceID,
            retentionTime: (2...4).contains(version) && request.retentionTimeMs >= 0
                ? .milliseconds(request.retentionTimeMs) : nil,
            topics: request.topics.map { topic in
                Topic(
                    name: topic.name,
                    partitions: topic.partitions.map { partition in
                        Partition(
                            partition: partition.partitionIndex, offset: partition.committedOffset,
                            leaderEpoch: partition.committedLeaderEpoch >= 0 ? partition.committedLeaderEpoch : nil,
                            metadata: partition.committedMetadata)
                    })
            })
    }
}

extension OffsetCommitResponse {
    /// A commit with a generation for a group the coordinator does not know is GROUP_ID_NOT_FOUND from v9;
    /// older clients expect ILLEGAL_GENERATION, which makes them rejoin (Kafka's mapping).
    public init(_ result: PartitionErrors, version: Int16) {
        self.init()
        topics = result.topics.map { topic in
            var entry = OffsetCommitResponseTopic()
            entry.name = topic.name
            entry.partitions = topic.partitions.map { partition in
                var element = OffsetCommitResponsePartition()
                element.partitionIndex = partition.partition
                let error = partition.errorCode
                element.errorCode = (version < 9 && error == .groupIDNotFound ? .illegalGeneration : error).rawValue
                return element
            }
            return entry
        }
    }
}
