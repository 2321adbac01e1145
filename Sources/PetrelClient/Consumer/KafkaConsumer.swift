import NIOCore
import PetrelProtocol

/// A Kafka consumer: manual `assign`/`seek`, or `subscribe` with a consumer group (range, roundrobin
/// or cooperative-sticky assignment, shareable with Java and librdkafka consumers), auto or manual
/// commit, and `isolation.level`.
///
/// `poll` drives everything, like the Java client: it joins or rejoins the group when needed,
/// resolves start positions (committed offset, else `auto.offset.reset`), fetches from each
/// partition's leader in parallel and auto-commits. Heartbeats run in the background while a member.
///
/// RPCs: Metadata, ListOffsets, Fetch, FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
/// OffsetFetch, OffsetCommit.
public actor KafkaConsumer {
    public nonisolated let configuration: ConsumerConfiguration
    public nonisolated let client: KafkaClient
    private let ownsClient: Bool
    /// A partition of the assignment: `position` is the next offset to fetch, nil until resolved. Records
    /// before it may still wait in `buffered`: `consumedPosition` is what the application has been given.
    struct Assigned {
        var position: Int64?
    }

    /// The assignment; each partition's position.
    var assigned: [TopicPartition: Assigned] = [:]
    /// A slice, so `poll` takes records off the front without shifting (and retaining) the rest.
    private var buffered: ArraySlice<ConsumerRecord> = []
    private var lastAutoCommit = ContinuousClock.now
    var group: GroupMembership?
    var isClosed = false

    public init(configuration: ConsumerConfiguration, client: KafkaClient? = nil) {
        self.configuration = configuration
        self.client = client ?? KafkaClient(configuration: configuration.client)
        ownsClient = client == nil
    }

    // MARK: Assignment and positions

    /// The partitions currently assigned (manually or by the group).
    public var assignment: [TopicPartition] { assigned.keys.sorted() }

    /// Replaces the manual assignment; positions of partitions kept are kept.
    public func assign(_ partitions: [TopicPartition]) throws(KafkaClientError) {
        guard group == nil else { throw .invalidArgument("assign() while subscribed; call unsubscribe() first") }
        setAssignment(partitions)
    }

    func setAssignment(_ partitions: [TopicPartition]) {
        var next: [TopicPartition: Assigned] = [:]
        for partition in partitions { next[partition] = assigned[partition] ?? Assigned() }
        assigned = next
        buffered.removeAll { !partitions.contains(TopicPartition(topic: $0.topic, partition: $0.partition)) }
    }

    /// The next offset `poll` returns for `partition`.
    public func seek(_ partition: TopicPartition, to offset: Int64) throws(KafkaClientError) {
        guard assigned[partition] != nil else { throw .invalidArgument("\(partition) is not assigned") }
        guard offset >= 0 else { throw .invalidArgument("offset \(offset) is negative") }
        assigned[partition]?.position = offset
        buffered.removeAll { $0.topic == partition.topic && $0.partition == partition.partition }
    }

    /// Seeks each partition to the offset `spec` names (earliest, latest, or the first at a timestamp;
    /// a timestamp after the last record seeks to the end).
    public func seek(_ partitions: [TopicPartition], to spec: OffsetSpec) async throws(KafkaClientError) {
        let listed = try await client.listOffsets(
            Dictionary(uniqueKeysWithValues: partitions.map { ($0, spec) }), isolationLevel: configuration.isolationLevel.rawValue)
        var missing: [TopicPartition: OffsetSpec] = [:]
        for partition in partitions {
            if let offset = listed[partition]?.offset, offset >= 0 {
                try seek(partition, to: offset)
            } else {
                missing[partition] = .latest
            }
        }
        for (partition, end) in try await client.listOffsets(missing, isolationLevel: configuration.isolationLevel.rawValue) {
            try seek(partition, to: end.offset)
        }
    }

    /// The position of `partition`: the offset of the next record `poll` returns (resolving it if needed).
    public func position(_ partition: TopicPartition) async throws(KafkaClientError) -> Int64 {
        try await resolvePositions()
        guard let position = consumedPosition(partition) else { throw .invalidArgument("\(partition) is not assigned") }
        return position
    }

    /// The offset of the next record `poll` returns for `partition`: its first buffered record, else the
    /// fetch position. Commits use it, so records fetched but not yet returned are never committed past
    /// (the Java consumer's position, not its fetch position).
    func consumedPosition(_ partition: TopicPartition) -> Int64? {
        let next = buffered.first { $0.partition == partition.partition && $0.topic == partition.topic }
        return next?.offset ?? assigned[partition]?.position
    }

    /// For each partition, the earliest offset whose timestamp is at or after the given one (nil when none).
    public func offsetsForTimes(_ timestamps: [TopicPartition: Int64]) async throws(KafkaClientError) -> [TopicPartition: ListedOffset?] {
        let listed = try await client.listOffsets(
            timestamps.mapValues { .timestamp($0) }, isolationLevel: configuration.isolationLevel.rawValue)
        return Dictionary(uniqueKeysWithValues: timestamps.keys.map { ($0, listed[$0].flatMap { $0.offset >= 0 ? $0 : nil }) })
    }

    // MARK: Polling

    /// Records fetched within `timeout` (at most `max.poll.records`); empty when none arrived.
    public func poll(timeout: Duration) async throws(KafkaClientError) -> [ConsumerRecord] {
        let deadline = ContinuousClock.now + timeout
        repeat {
            if isClosed { throw .closed("consumer closed") }
            if group != nil { try await ensureGroupMembership(until: deadline) }
            try await maybeAutoCommit()
            if !buffered.isEmpty { break }
            try await resolvePositions()
            let remaining = deadline - .now
            if assigned.isEmpty {
                try? await Task.sleep(for: min(.milliseconds(100), max(remaining, .zero)))
                continue
            }
            try await fetchOnce(maxWait: max(.zero, min(configuration.fetchMaxWait, remaining)))
        } while buffered.isEmpty && ContinuousClock.now < deadline
        guard buffered.count > configuration.maxPollRecords else {
            // All of it: a slice spanning its whole array becomes that array without a copy.
            defer { buffered = [] }
            return Array(buffered)
        }
        let batch = Array(buffered.prefix(configuration.maxPollRecords))
        buffered = buffered.dropFirst(configuration.maxPollRecords)
        return batch
    }

    /// Resolves partitions without a position: the group's committed offset, else `auto.offset.reset`.
    func resolvePositions() async throws(KafkaClientError) {
        let unresolved = assigned.filter { $0.value.position == nil }.map(\.key).sorted()
        guard !unresolved.isEmpty else { return }
        var committed: [TopicPartition: Int64] = [:]
        if let groupID = configuration.groupID {
            committed = try await client.committedOffsets(group: groupID, partitions: unresolved)
        }
        var reset: [TopicPartition: OffsetSpec] = [:]
        for partition in unresolved {
            if let offset = committed[partition] {
                assigned[partition]?.position = offset
                continue
            }
            switch configuration.autoOffsetReset {
            case .earliest: reset[partition] = .earliest
            case .latest: reset[partition] = .latest
            case .none: throw .invalidArgument("no committed offset for \(partition) and auto.offset.reset=none")
            }
        }
        let listed = try await client.listOffsets(reset, isolationLevel: configuration.isolationLevel.rawValue)
        for (partition, offset) in listed where assigned[partition] != nil && assigned[partition]?.position == nil {
            assigned[partition]?.position = offset.offset
        }
    }

    /// One Fetch to each leader of an assigned partition, in parallel; records go to `buffered`.
    private func fetchOnce(maxWait: Duration) async throws(KafkaClientError) {
        let topics = Array(Set(assigned.keys.map(\.topic))).sorted()
        let metadata = try await client.metadata(topics: topics)
        var byLeader: [Int32: [(TopicPartition, Int64)]] = [:]
        for (partition, state) in assigned.sorted(by: { $0.key < $1.key }) {
            guard let position = state.position else { continue }
            guard let leader = metadata.leader(of: partition) else {
                await client.invalidateMetadata()
                continue
            }
            byLeader[leader, default: []].append((partition, position))
        }
        guard !byLeader.isEmpty else {
            try? await Task.sleep(for: configuration.client.retryBackoff)
            return
        }
        let client = client
        let requests = byLeader.map { leader, partitions in (leader, fetchRequest(partitions, metadata: metadata, maxWait: maxWait)) }
        let timeout = configuration.client.requestTimeout + maxWait
        let responses = await withTaskGroup(of: (Int32, Result<FetchResponse, KafkaClientError>).self) { group in
            for (leader, request) in requests {
                group.addTask {
                    do throws(KafkaClientError) {
                        return (leader, .success(try await client.send(request, to: leader, timeout: timeout)))
                    } catch {
                        return (leader, .failure(error))
                    }
                }
            }
            var all: [(Int32, Result<FetchResponse, KafkaClientError>)] = []
            for await response in group { all.append(response) }
            return all
        }
        let topicNames = Dictionary(metadata.topics.values.map { ($0.topicID, $0.name) }, uniquingKeysWith: { a, _ in a })
        for (_, result) in responses {
            switch result {
            case .failure(let error):
                guard error.isRetriable else { throw error }
                await client.invalidateMetadata()
            case .success(let response):
                try check(response.errorCode, "Fetch")
                for topic in response.responses {
                    let name = topic.topic.isEmpty ? (topicNames[topic.topicID] ?? "") : topic.topic
                    for partitionData in topic.partitions {
                        try await handle(partitionData, of: TopicPartition(topic: name, partition: partitionData.partitionIndex))
                    }
                }
            }
        }
    }

    private func fetchRequest(_ partitions: [(TopicPartition, Int64)], metadata: ClusterMetadata, maxWait: Duration) -> FetchRequest {
        var request = FetchRequest()
        request.replicaID = -1
        request.maxWaitMs = milliseconds(maxWait)
        request.minBytes = configuration.fetchMinBytes
        request.maxBytes = configuration.fetchMaxBytes
        request.isolationLevel = configuration.isolationLevel.rawValue
        request.sessionID = 0
        request.sessionEpoch = -1
        request.topics = Dictionary(grouping: partitions, by: \.0.topic).sorted { $0.key < $1.key }.map { topic, entries in
            var t = FetchRequest.FetchTopic()
            t.topic = topic
            t.topicID = metadata.topics[topic]?.topicID ?? .zero
            t.partitions = entries.map { partition, position in
                var p = FetchRequest.FetchPartition()
                p.partition = partition.partition
                p.fetchOffset = position
                p.partitionMaxBytes = configuration.maxPartitionFetchBytes
                return p
            }
            return t
        }
        return request
    }

    private func handle(_ data: FetchResponse.PartitionData, of partition: TopicPartition) async throws(KafkaClientError) {
        guard let position = assigned[partition]?.position else { return }  // revoked or reset meanwhile
        let code = KafkaErrorCode(rawValue: data.errorCode)
        switch code {
        case .none:
            guard let records = data.records, records.readableBytes > 0 else { return }
            let parsed = try FetchedBatches(
                topic: partition.topic, partition: partition.partition, records: records, position: position,
                readCommitted: configuration.isolationLevel == .readCommitted,
                abortedTransactions: (data.abortedTransactions ?? []).map {
                    FetchedBatches.AbortedTransaction(producerID: $0.producerID, firstOffset: $0.firstOffset)
                },
                checkCRCs: configuration.checkCRCs, maxDecompressedBytes: Int(configuration.fetchMaxBytes) * 4)
            if buffered.isEmpty {
                buffered = parsed.records[...]
            } else {
                buffered.append(contentsOf: parsed.records)
            }
            assigned[partition]?.position = parsed.nextPosition
        case .offsetOutOfRange:
            guard configuration.autoOffsetReset != .none else {
                throw .broker(code, "\(partition) offset \(position) and auto.offset.reset=none")
            }
            assigned[partition]?.position = nil
        default:
            let retriable = KafkaClientError.broker(code, "\(partition)")
            guard retriable.isRetriable else { throw retriable }
            await client.invalidateMetadata()
        }
    }

    // MARK: Committing

    /// Commits the current position of every assigned partition (`commitSync()`).
    public func commit() async throws(KafkaClientError) {
        var offsets: [TopicPartition: Int64] = [:]
        for partition in assigned.keys { if let position = consumedPosition(partition) { offsets[partition] = position } }
        try await commit(offsets)
    }

    /// Commits `offsets` (the next offset to consume, per partition) for the consumer's group.
    public func commit(_ offsets: [TopicPartition: Int64]) async throws(KafkaClientError) {
        guard let groupID = configuration.groupID else { throw .invalidArgument("commit needs group.id") }
        try await client.commitOffsets(
            group: groupID, offsets: offsets, generationID: group?.generationID ?? -1, memberID: group?.memberID ?? "",
            groupInstanceID: configuration.groupInstanceID)
        lastAutoCommit = .now
    }

    /// The committed offsets of `partitions` for the consumer's group.
    public func committed(_ partitions: [TopicPartition]) async throws(KafkaClientError) -> [TopicPartition: Int64] {
        guard let groupID = configuration.groupID else { throw .invalidArgument("committed() needs group.id") }
        return try await client.committedOffsets(group: groupID, partitions: partitions)
    }

    private func maybeAutoCommit() async throws(KafkaClientError) {
        guard configuration.enableAutoCommit, configuration.groupID != nil,
            lastAutoCommit + configuration.autoCommitInterval <= .now
        else { return }
        try await commit()
    }

    /// Commits (with auto-commit), leaves the group, and closes the connections it owns.
    public func close() async {
        guard !isClosed else { return }
        if configuration.enableAutoCommit && configuration.groupID != nil { try? await commit() }
        await leaveGroup()
        isClosed = true
        if ownsClient { await client.close() }
    }
}
