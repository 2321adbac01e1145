import PetrelProtocol

/// OffsetFetch v0-9 ↔ `GroupCoordinatorShard.fetchOffsets`. v8+ asks for many groups at once (the broker
/// routes each to its shard); older versions for one. A nil topic list (v2+) means every committed partition.
extension OffsetFetchRequest {
    public func groupQueries(version: Int16) -> [(groupID: String, topics: [TopicPartitions]?)] {
        guard version >= 8 else {
            let requested = topics.map { $0.map { TopicPartitions(name: $0.name, partitions: $0.partitionIndexes) } }
            return [(groupID, version >= 2 ? requested : requested ?? [])]
        }
        return groups.map { group in
            (
                group.groupID,
                group.topics.map { $0.map { TopicPartitions(name: $0.name, partitions: $0.partitionIndexes) } }
            )
        }
    }
}

extension OffsetFetchResponse {
    /// `results` in request order; exactly one for versions before 8.
    public init(_ results: [OffsetFetchResult], version: Int16) {
        self.init()
        guard version >= 8 else {
            guard let result = results.first else { return }
            // v0-1 have no group error field: the group's error goes on every partition instead.
            let partitionError = version < 2 ? result.errorCode : .none
            errorCode = version >= 2 ? result.errorCode.rawValue : 0
            topics = result.topics.map { topic in
                var entry = OffsetFetchResponseTopic()
                entry.name = topic.name
                entry.partitions = topic.partitions.map { partition in
                    var element = OffsetFetchResponsePartition()
                    element.partitionIndex = partition.partition
                    element.committedOffset = partition.offset
                    element.committedLeaderEpoch = partition.leaderEpoch ?? -1
                    element.metadata = partition.metadata
                    element.errorCode = (partition.errorCode != .none ? partition.errorCode : partitionError).rawValue
                    return element
                }
                return entry
            }
            return
        }
        groups = results.map { result in
            var group = OffsetFetchResponseGroup()
            group.groupID = result.groupID
            group.errorCode = result.errorCode.rawValue
            group.topics = result.topics.map { topic in
                var entry = OffsetFetchResponseTopics()
                entry.name = topic.name
                entry.partitions = topic.partitions.map { partition in
                    var element = OffsetFetchResponsePartitions()
                    element.partitionIndex = partition.partition
                    element.committedOffset = partition.offset
                    element.committedLeaderEpoch = partition.leaderEpoch ?? -1
                    element.metadata = partition.metadata
                    element.errorCode = partition.errorCode.rawValue
                    return element
                }
                return entry
            }
            return group
        }
    }
}
