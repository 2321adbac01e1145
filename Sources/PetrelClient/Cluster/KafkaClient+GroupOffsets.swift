import PetrelProtocol

/// Committed offsets of consumer groups, shared by the consumer (its own group) and the admin client
/// (any group). Both APIs changed shape over versions (OffsetFetch v8 batches groups); the version
/// negotiated with the coordinator picks the layout.
///
/// RPCs: OffsetFetch, OffsetCommit (both to the group coordinator).
extension KafkaClient {
    /// The committed offset of each partition (only partitions with a commit appear). `partitions`
    /// nil asks for every partition the group has committed.
    public func committedOffsets(group groupID: String, partitions: [TopicPartition]?) async throws(KafkaClientError)
        -> [TopicPartition: Int64]
    {
        try await retrying("OffsetFetch(\(groupID))") { () async throws(KafkaClientError) -> [TopicPartition: Int64] in
            let coordinator = try await coordinator(forGroup: groupID)
            let version = try await version(of: OffsetFetchRequest.self, on: coordinator)
            let byTopic = partitions.map { Dictionary(grouping: $0, by: \.topic).sorted { $0.key < $1.key } }
            var request = OffsetFetchRequest()
            var rows: [(String, Int32, Int64, Int16)] = []
            if version >= 8 {
                var group = OffsetFetchRequest.OffsetFetchRequestGroup()
                group.groupID = groupID
                group.topics = byTopic?.map { topic, entries in
                    var t = OffsetFetchRequest.OffsetFetchRequestTopics()
                    t.name = topic
                    t.partitionIndexes = entries.map(\.partition)
                    return t
                }
                request.groups = [group]
                let response = try await send(request, to: coordinator)
                guard let groupResponse = response.groups.first else {
                    throw .protocolError("OffsetFetch response without groups")
                }
                try check(groupResponse.errorCode, "OffsetFetch(\(groupID))")
                for topic in groupResponse.topics {
                    for p in topic.partitions {
                        rows.append((topic.name, p.partitionIndex, p.committedOffset, p.errorCode))
                    }
                }
            } else {
                request.groupID = groupID
                request.topics = byTopic?.map { topic, entries in
                    var t = OffsetFetchRequest.OffsetFetchRequestTopic()
                    t.name = topic
                    t.partitionIndexes = entries.map(\.partition)
                    return t
                }
                let response = try await send(request, to: coordinator)
                try check(response.errorCode, "OffsetFetch(\(groupID))")
                for topic in response.topics {
                    for p in topic.partitions {
                        rows.append((topic.name, p.partitionIndex, p.committedOffset, p.errorCode))
                    }
                }
            }
            var offsets: [TopicPartition: Int64] = [:]
            for (topic, partition, offset, errorCode) in rows {
                try check(errorCode, "OffsetFetch(\(groupID)) \(topic)-\(partition)")
                if offset >= 0 { offsets[TopicPartition(topic: topic, partition: partition)] = offset }
            }
            return offsets
        }
    }

    /// Commits `offsets` (the next offset to consume, per partition) for `groupID`. A group member passes
    /// its generation and member id; the admin client commits as a non-member (-1, "").
    public func commitOffsets(
        group groupID: String, offsets: [TopicPartition: Int64], generationID: Int32 = -1, memberID: String = "",
        groupInstanceID: String? = nil
    ) async throws(KafkaClientError) {
        guard !offsets.isEmpty else { return }
        try await retrying("OffsetCommit(\(groupID))") { () async throws(KafkaClientError) in
            let coordinator = try await coordinator(forGroup: groupID)
            var request = OffsetCommitRequest()
            request.groupID = groupID
            request.generationIDOrMemberEpoch = generationID
            request.memberID = memberID
            request.groupInstanceID = groupInstanceID
            request.topics = Dictionary(grouping: offsets, by: \.key.topic).sorted { $0.key < $1.key }.map { topic, entries in
                var t = OffsetCommitRequest.OffsetCommitRequestTopic()
                t.name = topic
                t.partitions = entries.sorted { $0.key < $1.key }.map { entry in
                    var p = OffsetCommitRequest.OffsetCommitRequestPartition()
                    p.partitionIndex = entry.key.partition
                    p.committedOffset = entry.value
                    p.committedMetadata = ""
                    return p
                }
                return t
            }
            let response = try await send(request, to: coordinator)
            for topic in response.topics {
                for p in topic.partitions { try check(p.errorCode, "OffsetCommit(\(groupID)) \(topic.name)-\(p.partitionIndex)") }
            }
        }
    }
}

/// Throws the broker error for a non-zero error code.
func check(_ errorCode: Int16, _ context: @autoclosure () -> String) throws(KafkaClientError) {
    guard errorCode == KafkaErrorCode.none.rawValue else {
        throw .broker(KafkaErrorCode(rawValue: errorCode), context())
    }
}
