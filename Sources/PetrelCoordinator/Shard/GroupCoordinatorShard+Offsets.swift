import PetrelProtocol

extension GroupCoordinatorShard {
    /// OffsetCommit: validates the committer against the group, then writes one `OffsetCommitValue` per
    /// partition. Answer with the response once the records are durable.
    public mutating func commitOffsets(
        _ request: OffsetCommitParameters, now: CoordinatorInstant
    ) -> CoordinatorResult<PartitionErrors> {
        let groupError: KafkaErrorCode =
            if isLoading {
                .coordinatorLoadInProgress
            } else if let group = groups[request.groupID] {
                group.validateOffsetCommit(
                    generationID: request.generationID, memberID: request.memberID,
                    groupInstanceID: request.groupInstanceID)
            } else {
                // No membership state: only commits from outside group management are accepted, and they
                // create an offset-only group. (Before OffsetCommit v9 the handler reports ILLEGAL_GENERATION.)
                request.generationID < 0 ? .none : .groupIDNotFound
            }
        var records: [CoordinatorRecord] = []
        var topics: [PartitionErrors.Topic] = []
        for topic in request.topics {
            var partitions: [(partition: Int32, errorCode: KafkaErrorCode)] = []
            for entry in topic.partitions {
                let metadata = entry.metadata ?? ""
                var error = groupError
                if error == .none && metadata.utf8.count > config.offsetMetadataBytesMax {
                    error = .offsetMetadataTooLarge
                }
                if error == .none {
                    let committed = CommittedOffset(
                        offset: entry.offset, leaderEpoch: entry.leaderEpoch, metadata: metadata,
                        commitTimestamp: now, expireTimestamp: request.retentionTime.map { now + $0 })
                    records.append(
                        .offsetCommit(
                            groupID: request.groupID, topic: topic.name, partition: entry.partition, committed))
                }
                partitions.append((entry.partition, error))
            }
            topics.append(PartitionErrors.Topic(name: topic.name, partitions: partitions))
        }
        records.forEach { replay($0) }
        return CoordinatorResult(records: records, response: PartitionErrors(topics: topics))
    }

    /// OffsetFetch for one group. `topics == nil` asks for every committed partition. Partitions without a
    /// committed offset answer offset -1 with no error, as do groups that do not exist.
    public func fetchOffsets(groupID: String, topics: [TopicPartitions]?) -> OffsetFetchResult {
        guard !isLoading else {
            return OffsetFetchResult(groupID: groupID, errorCode: .coordinatorLoadInProgress, topics: [])
        }
        let committed = offsets[groupID] ?? [:]
        func partition(_ key: TopicPartition) -> OffsetFetchResult.Partition {
            guard let entry = committed[key] else {
                return OffsetFetchResult.Partition(partition: key.partition, offset: -1, leaderEpoch: nil, metadata: "")
            }
            return OffsetFetchResult.Partition(
                partition: key.partition, offset: entry.offset, leaderEpoch: entry.leaderEpoch,
                metadata: entry.metadata)
        }
        let requested =
            topics
            ?? Dictionary(grouping: committed.keys.sorted(), by: \.topic).keys.sorted().map { name in
                TopicPartitions(
                    name: name, partitions: committed.keys.filter { $0.topic == name }.map(\.partition).sorted())
            }
        return OffsetFetchResult(
            groupID: groupID,
            topics: requested.map { topic in
                OffsetFetchResult.Topic(
                    name: topic.name,
                    partitions: topic.partitions.map { partition(TopicPartition(topic: topic.name, partition: $0)) })
            })
    }

    /// OffsetDelete: removes committed offsets of topics the group no longer consumes. A group with members
    /// must use the consumer protocol, and partitions of topics its members subscribe to are refused.
    public mutating func deleteOffsets(groupID: String, topics: [TopicPartitions]) -> CoordinatorResult<PartitionErrors>
    {
        let group = groups[groupID]
        let groupError: KafkaErrorCode =
            if isLoading {
                .coordinatorLoadInProgress
            } else if group == nil && offsets[groupID] == nil {
                .groupIDNotFound
            } else if let group, group.state != .empty, group.protocolType != ClassicGroup.consumerProtocolType {
                .nonEmptyGroup
            } else {
                .none
            }
        guard groupError == .none else {
            return CoordinatorResult(records: [], response: PartitionErrors(errorCode: groupError, topics: []))
        }
        let subscribed = group.flatMap { $0.state == .empty ? nil : $0.subscribedTopics } ?? []
        var records: [CoordinatorRecord] = []
        let results = topics.map { topic in
            let error: KafkaErrorCode = subscribed.contains(topic.name) ? .groupSubscribedToTopic : .none
            for partition in topic.partitions where error == .none {
                if offsets[groupID]?[TopicPartition(topic: topic.name, partition: partition)] != nil {
                    records.append(.offsetCommit(groupID: groupID, topic: topic.name, partition: partition, nil))
                }
            }
            return PartitionErrors.Topic(name: topic.name, partitions: topic.partitions.map { ($0, error) })
        }
        records.forEach { replay($0) }
        return CoordinatorResult(records: records, response: PartitionErrors(topics: results))
    }

    /// `offsets.retention.minutes`, Kafka's rules (KIP-211): offsets of an Empty group expire a retention
    /// period after the group became empty; a Stable consumer group's offsets for topics none of its members
    /// subscribe to expire a retention period after their commit; offset-only groups expire per commit; an
    /// explicit `expireTimestamp` wins. An Empty group left with no offsets is deleted as well.
    /// Returns the tombstones, already applied.
    mutating func expireOffsets(now: CoordinatorInstant) -> [CoordinatorRecord] {
        var records: [CoordinatorRecord] = []
        for groupID in Set(offsets.keys).union(groups.keys).sorted() {
            let group = groups[groupID]
            if let base = expirationBase(for: group) {
                let subscribed = group?.state == .stable ? group?.subscribedTopics ?? [] : []
                for (key, committed) in (offsets[groupID] ?? [:]).sorted(by: { $0.key < $1.key })
                where !subscribed.contains(key.topic) {
                    let expired =
                        if let expireTimestamp = committed.expireTimestamp {
                            now >= expireTimestamp
                        } else {
                            now - base(committed) >= config.offsetsRetention
                        }
                    if expired {
                        records.append(.offsetCommit(groupID: groupID, topic: key.topic, partition: key.partition, nil))
                    }
                }
            }
            let remaining = (offsets[groupID]?.count ?? 0) - records.count { $0.groupID == groupID }
            if let group, group.state == .empty, group.pendingMembers.isEmpty, remaining == 0 {
                records.append(.groupMetadata(groupID: groupID, nil))
            }
        }
        records.forEach { replay($0) }
        return records
    }

    /// The timestamp each offset's retention counts from, or nil when the group's offsets do not expire now.
    private func expirationBase(for group: ClassicGroup?) -> ((CommittedOffset) -> CoordinatorInstant)? {
        guard let group, group.protocolType != nil else { return { $0.commitTimestamp } }
        if group.state == .empty {
            let becameEmpty = group.currentStateTimestamp
            return { becameEmpty ?? $0.commitTimestamp }
        }
        if group.state == .stable, group.protocolType == ClassicGroup.consumerProtocolType,
            group.subscribedTopics != nil
        {
            return { $0.commitTimestamp }
        }
        return nil
    }
}
