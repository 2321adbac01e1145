import PetrelProtocol

/// ListOffsets special timestamps (Kafka's `ListOffsetsRequest.EARLIEST_TIMESTAMP` etc.).
public enum OffsetSpec: Sendable, Hashable {
    /// The log start offset (-2).
    case earliest
    /// The log end offset, or the last stable offset under read_committed (-1).
    case latest
    /// The first offset whose timestamp is at or after this many milliseconds since the epoch.
    case timestamp(Int64)

    var wireTimestamp: Int64 {
        switch self {
        case .earliest: -2
        case .latest: -1
        case .timestamp(let ms): ms
        }
    }
}

/// One ListOffsets answer: `offset` -1 when no record has a timestamp at or after the one asked.
public struct ListedOffset: Sendable, Hashable {
    public var offset: Int64
    public var timestamp: Int64
}

/// ListOffsets to each partition's leader, with metadata refresh and retry on leader changes.
///
/// RPCs: Metadata, ListOffsets.
extension KafkaClient {
    /// Offsets for each partition at `spec`; `isolationLevel` 1 is read_committed.
    public func listOffsets(_ specs: [TopicPartition: OffsetSpec], isolationLevel: Int8 = 0) async throws(KafkaClientError)
        -> [TopicPartition: ListedOffset]
    {
        guard !specs.isEmpty else { return [:] }
        let topics = Array(Set(specs.keys.map(\.topic))).sorted()
        return try await retrying("ListOffsets") { () async throws(KafkaClientError) -> [TopicPartition: ListedOffset] in
            let metadata = try await metadata(topics: topics)
            var byLeader: [Int32: [TopicPartition]] = [:]
            for partition in specs.keys.sorted() {
                if let error = metadata.topics[partition.topic]?.errorCode, error != .none {
                    throw .broker(error, partition.topic)
                }
                guard let leader = metadata.leader(of: partition) else {
                    throw .broker(.leaderNotAvailable, "\(partition)")
                }
                byLeader[leader, default: []].append(partition)
            }
            var result: [TopicPartition: ListedOffset] = [:]
            for (leader, partitions) in byLeader.sorted(by: { $0.key < $1.key }) {
                var request = ListOffsetsRequest()
                request.replicaID = -1
                request.isolationLevel = isolationLevel
                request.topics = Dictionary(grouping: partitions, by: \.topic).sorted { $0.key < $1.key }.map { topic, entries in
                    var t = ListOffsetsRequest.ListOffsetsTopic()
                    t.name = topic
                    t.partitions = entries.map { entry in
                        var p = ListOffsetsRequest.ListOffsetsPartition()
                        p.partitionIndex = entry.partition
                        p.timestamp = specs[entry]?.wireTimestamp ?? -1
                        return p
                    }
                    return t
                }
                let response = try await send(request, to: leader)
                for topic in response.topics {
                    for p in topic.partitions {
                        try check(p.errorCode, "ListOffsets \(topic.name)-\(p.partitionIndex)")
                        let offset = p.offset >= 0 ? p.offset : (p.oldStyleOffsets.first ?? -1)
                        result[TopicPartition(topic: topic.name, partition: p.partitionIndex)] =
                            ListedOffset(offset: offset, timestamp: p.timestamp)
                    }
                }
            }
            return result
        }
    }
}
