import NIOCore
import PetrelMetadata
import PetrelProtocol
import PetrelStorage

/// Fetch (key 1), v4-17, for consumers: whole batches from each partition's fetch offset up to the
/// high watermark (the last stable offset under read_committed), within partition and response byte
/// limits except that the first partition with data returns at least one batch (KIP-74). When fewer
/// than `min_bytes` are available the fetch waits up to `max_wait_ms`, woken by appends. Incremental
/// fetch sessions (KIP-227, v7+) are kept in `FetchSessionCache`. Records leave as file regions
/// (`RecordsSplice`), sent with sendfile on plaintext connections, unless they are small.
struct FetchHandler: FileRegionApiHandler {
    typealias Request = FetchRequest
    let versions: ClosedRange<Int16> = 4...17
    /// Records below this size are copied into the response: a spliced slice costs a dup(2), a
    /// sendfile(2) beside the response's write and a close(2), more than copying a few KiB, and a
    /// consumer keeping up with a producer fetches a batch or two at a time.
    static let copyBelowBytes = 16 * 1024
    let services: BrokerServices
    let sessions: FetchSessionCache

    typealias PartitionData = FetchResponse.PartitionData
    typealias Key = FetchSessionCache.PartitionKey

    /// One partition to answer: where to read, and the topic as the client named it (name or id).
    private struct Target {
        var key: Key
        var position: FetchSessionCache.PartitionState
        var topicID: Uuid
        /// The leader epoch the client believes current, when this request named the partition.
        var currentLeaderEpoch: Int32
    }

    func handle(_ request: FetchRequest, context: RequestContext) async -> (FetchResponse, RecordsSplice) {
        let version = context.apiVersion
        let image = services.metadata.image
        var unresolved: [FetchResponse.FetchableTopicResponse] = []
        var requested: [(Key, FetchSessionCache.PartitionState)] = []
        var topicIDs: [String: Uuid] = [:]
        var leaderEpochs: [Key: Int32] = [:]
        for topic in request.topics {
            let name = version >= 13 ? image.topic(id: topic.topicID)?.name : topic.topic
            guard let name else {
                var failed = FetchResponse.FetchableTopicResponse()
                failed.topicID = topic.topicID
                failed.partitions = topic.partitions.map { Self.failed($0.partition, .unknownTopicID) }
                unresolved.append(failed)
                continue
            }
            topicIDs[name] = image.topics[name]?.id ?? topic.topicID
            for partition in topic.partitions {
                leaderEpochs[Key(topic: name, partition: partition.partition)] = partition.currentLeaderEpoch
                requested.append(
                    (Key(topic: name, partition: partition.partition),
                     .init(fetchOffset: partition.fetchOffset, maxBytes: partition.partitionMaxBytes)))
            }
        }
        let forgotten = request.forgottenTopicsData.flatMap { topic in
            let name = version >= 13 ? image.topic(id: topic.topicID)?.name : topic.topic
            return name.map { name in topic.partitions.map { Key(topic: name, partition: $0) } } ?? []
        }
        let (outcome, targets) =
            version >= 7
            ? sessions.begin(
                sessionID: request.sessionID, epoch: request.sessionEpoch, requested: requested, forgotten: forgotten)
            : (.sessionless, requested)
        var response = FetchResponse()
        let sessionID: Int32
        let incremental: Bool
        switch outcome {
        case .sessionless: (sessionID, incremental) = (0, false)
        case .created(let id): (sessionID, incremental) = (id, false)
        case .incremental(let id): (sessionID, incremental) = (id, true)
        case .sessionNotFound:
            response.errorCode = KafkaErrorCode.fetchSessionIDNotFound.rawValue
            return (response, RecordsSplice())
        case .invalidEpoch:
            response.errorCode = KafkaErrorCode.invalidFetchSessionEpoch.rawValue
            return (response, RecordsSplice())
        }
        let resolved = targets.map { key, position in
            Target(
                key: key, position: position, topicID: topicIDs[key.topic] ?? image.topics[key.topic]?.id ?? .zero,
                currentLeaderEpoch: leaderEpochs[key] ?? -1)
        }

        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(max(0, Int64(request.maxWaitMs)))
        var answered: [(Target, PartitionData)]
        var splice: RecordsSplice
        while true {
            let generation = services.partitions.appends.generation
            let (pass, passSplice, bytes, failed) = read(resolved, request: request, incremental: incremental)
            answered = pass
            splice = passSplice
            if bytes >= Int(request.minBytes) || failed || clock.now >= deadline { break }
            await services.partitions.appends.wait(
                after: generation, timeout: deadline - clock.now, on: context.connection.eventLoop)
        }
        response.sessionID = sessionID
        response.responses = unresolved
        for (target, data) in answered {
            if sessionID != 0 {
                var sent = target.position
                sent.highWatermark = data.highWatermark
                sent.lastStableOffset = data.lastStableOffset
                sent.logStartOffset = data.logStartOffset
                sessions.remember(sessionID: sessionID, target.key, sent: sent)
            }
            if let last = response.responses.indices.last,
                response.responses[last].topic == target.key.topic || (version >= 13 && response.responses[last].topicID == target.topicID)
            {
                response.responses[last].partitions.append(data)
            } else {
                var topic = FetchResponse.FetchableTopicResponse()
                topic.topic = version >= 13 ? "" : target.key.topic
                topic.topicID = version >= 13 ? target.topicID : .zero
                topic.partitions = [data]
                response.responses.append(topic)
            }
        }
        return (response, splice)
    }

    /// One pass over the targets: the partitions to answer (for incremental sessions, only those with
    /// news), the record bytes, and whether any partition failed (errors are answered at once).
    private func read(
        _ targets: [Target], request: FetchRequest, incremental: Bool
    ) -> ([(Target, PartitionData)], RecordsSplice, Int, Bool) {
        var answered: [(Target, PartitionData)] = []
        var splice = RecordsSplice()
        var bytesLeft = Int(max(0, request.maxBytes))
        var total = 0
        var failed = false
        let readCommitted = request.isolationLevel == 1
        for target in targets {
            var data = PartitionData()
            data.partitionIndex = target.key.partition
            data.abortedTransactions = readCommitted ? [] : nil
            guard let partition = services.partitions.partition(target.key.topic, target.key.partition) else {
                answered.append((target, Self.failed(target.key.partition, .unknownTopicOrPartition)))
                failed = true
                continue
            }
            if let error = Self.checkLeaderEpoch(target.currentLeaderEpoch, partition: partition) {
                answered.append((target, Self.failed(target.key.partition, error)))
                failed = true
                continue
            }
            data.highWatermark = partition.highWatermark
            data.lastStableOffset = partition.lastStableOffset
            data.logStartOffset = partition.log.logStartOffset
            let limit = readCommitted ? partition.lastStableOffset : partition.highWatermark
            do {
                let result = try partition.log.read(
                    from: target.position.fetchOffset,
                    maxBytes: min(Int(max(0, target.position.maxBytes)), bytesLeft), maxOffset: limit,
                    minOneBatch: total == 0)
                total += result.byteCount
                bytesLeft = max(0, bytesLeft - result.byteCount)
                // Storage returns one contiguous slice per read (one segment).
                if let slice = result.slices.first, result.slices.count == 1, slice.length >= Self.copyBelowBytes {
                    data.records = splice.placeholder(for: slice)
                } else if result.byteCount > 0 {
                    data.records = try result.bytes()
                } else {
                    data.records = ByteBuffer()
                }
            } catch {
                data.errorCode = error.entityError.code.rawValue
                failed = true
            }
            let news =
                data.errorCode != 0 || (data.records?.readableBytes ?? 0) > 0
                || data.highWatermark != target.position.highWatermark
                || data.lastStableOffset != target.position.lastStableOffset
                || data.logStartOffset != target.position.logStartOffset
            // A placeholder counts as records, so a partition with a spliced slice always has news.
            if !incremental || news { answered.append((target, data)) }
        }
        return (answered, splice, total, failed)
    }

    private static func failed(_ partition: Int32, _ code: KafkaErrorCode) -> PartitionData {
        var data = PartitionData()
        data.partitionIndex = partition
        data.errorCode = code.rawValue
        return data
    }

    /// FENCED_LEADER_EPOCH for a stale epoch, UNKNOWN_LEADER_EPOCH for one from the future; -1 skips the check.
    static func checkLeaderEpoch(_ epoch: Int32, partition: Partition) -> KafkaErrorCode? {
        if epoch < 0 || epoch == partition.leaderEpoch { return nil }
        return epoch < partition.leaderEpoch ? .fencedLeaderEpoch : .unknownLeaderEpoch
    }
}
