import NIOCore
import PetrelProtocol

/// An asynchronous Kafka producer: `send` returns the record's delivery report (partition, offset)
/// once the broker acknowledged it, or throws.
///
/// Records are batched per partition (`batch.size`, `linger.ms`) by a `RecordAccumulator`, compressed
/// with `compression.type`, and sent to each partition's leader, grouped into one Produce request per
/// broker. With idempotence (the default with acks=all) the producer gets a producer id from
/// InitProducerId and numbers each partition's batches, so retries after a lost response never
/// duplicate records. Retriable errors (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, timeouts,
/// lost connections) refresh the metadata and resend the batch, until `delivery.timeout.ms`.
///
/// RPCs: Metadata, InitProducerId, Produce.
public actor KafkaProducer {
    /// Where a record's delivery report goes: a waiting `send`, or a callback.
    enum Delivery {
        case waiting(CheckedContinuation<RecordMetadata, any Error>)
        case callback(@Sendable (Result<RecordMetadata, any Error>) -> Void)

        func report(_ result: Result<RecordMetadata, any Error>) {
            switch self {
            case .waiting(let continuation): continuation.resume(with: result)
            case .callback(let callback): callback(result)
            }
        }
    }

    struct PendingRecord: AccumulatedRecord {
        var record: ProducerRecord
        var timestamp: Int64
        var partition: TopicPartition
        var partitionCount: Int32
        var estimatedSize: Int {
            // Varint lengths, attributes and deltas: about 21 bytes besides the payload, as the Java client estimates.
            21 + (record.key?.count ?? 0) + (record.value?.count ?? 0)
                + record.headers.reduce(0) { $0 + 10 + $1.key.utf8.count + ($1.value?.readableBytes ?? 0) }
        }
    }

    public nonisolated let configuration: ProducerConfiguration
    private let client: KafkaClient
    private let ownsClient: Bool
    private let idempotent: Bool
    private var accumulator: RecordAccumulator<PendingRecord, Delivery>
    private var partitioner: StickyPartitioner
    private var metadata: ClusterMetadata?
    private var producerID: Int64 = -1
    /// The InitProducerId or Metadata lookup in progress, shared by every send waiting for it.
    private var initializing: Task<Void, any Error>?
    private var lookups: [String: Task<Int32, any Error>] = [:]
    private var producerEpoch: Int16 = -1
    private var nextSequence: [TopicPartition: Int32] = [:]
    private var scheduledWakeup: ContinuousClock.Instant?
    private var flushWaiters: [CheckedContinuation<Void, Never>] = []
    private var isClosed = false

    /// A producer with its own connections, or sharing `client`'s.
    public init(configuration: ProducerConfiguration, client: KafkaClient? = nil) throws(KafkaClientError) {
        self.configuration = configuration
        self.client = client ?? KafkaClient(configuration: configuration.client)
        ownsClient = client == nil
        idempotent = try configuration.idempotent()
        accumulator = RecordAccumulator(batchSize: configuration.batchSize, linger: configuration.linger)
        partitioner = StickyPartitioner()
    }

    /// Produces `record` and waits for its delivery report.
    public func send(_ record: ProducerRecord) async throws -> RecordMetadata {
        let pending = try await prepare(record)
        return try await withCheckedThrowingContinuation { enqueue(pending, delivery: .waiting($0)) }
    }

    /// Buffers `record` and returns; `onDelivery` gets its delivery report later. Records sent this way
    /// from one task keep their order (librdkafka's `produce` with a delivery callback).
    public func send(
        _ record: ProducerRecord, onDelivery: @escaping @Sendable (Result<RecordMetadata, any Error>) -> Void
    ) async throws {
        let pending = try await prepare(record)
        enqueue(pending, delivery: .callback(onDelivery))
    }

    /// Checks the record's size, makes sure the producer id and the topic's partition count are known,
    /// and picks the partition.
    private func prepare(_ record: ProducerRecord) async throws -> PendingRecord {
        if isClosed { throw KafkaClientError.closed("producer closed") }
        var pending = PendingRecord(
            record: record, timestamp: record.timestamp ?? WallClock.nowMilliseconds(),
            partition: TopicPartition(topic: record.topic, partition: -1), partitionCount: 0)
        guard pending.estimatedSize + RecordAccumulator<PendingRecord, Delivery>.batchOverhead <= configuration.maxRequestSize
        else {
            throw KafkaClientError.broker(.messageTooLarge, "record of \(pending.estimatedSize) bytes > max.request.size")
        }
        if idempotent && producerID < 0 {
            let initialization = initializing ?? Task { try await self.initProducerID() }
            initializing = initialization
            do {
                try await initialization.value
            } catch {
                initializing = nil
                throw error
            }
        }
        pending.partitionCount = try await partitionCount(of: record.topic)
        if let chosen = record.partition {
            guard chosen >= 0 && chosen < pending.partitionCount else {
                throw KafkaClientError.broker(.unknownTopicOrPartition, "\(record.topic) has \(pending.partitionCount) partitions")
            }
            pending.partition.partition = chosen
        } else {
            pending.partition.partition = partitioner.partition(
                topic: record.topic, key: record.key, partitionCount: pending.partitionCount)
        }
        return pending
    }

    private func enqueue(_ pending: PendingRecord, delivery: Delivery) {
        let result = accumulator.append(pending, completion: delivery, to: pending.partition, now: .now)
        if result.closedBatch {
            partitioner.batchClosed(
                topic: pending.partition.topic, partition: pending.partition.partition, partitionCount: pending.partitionCount)
            pump()
        } else if result.openedBatch {
            scheduleWakeup()
        }
    }

    /// Sends everything buffered now (ignoring `linger.ms`) and waits until every record is acknowledged or failed.
    public func flush() async {
        accumulator.flushing = true
        pump()
        while !accumulator.isIdle {
            await withCheckedContinuation { flushWaiters.append($0) }
        }
        accumulator.flushing = false
    }

    /// Flushes, then closes the connections (when the producer owns them). Later sends fail.
    public func close() async {
        await flush()
        isClosed = true
        if ownsClient { await client.close() }
    }

    // MARK: Metadata and producer id

    private func partitionCount(of topic: String) async throws -> Int32 {
        if let count = metadata?.partitionCount(of: topic) { return count }
        let lookup = lookups[topic] ?? Task { try await self.lookUpPartitionCount(of: topic) }
        lookups[topic] = lookup
        defer { lookups[topic] = nil }
        return try await lookup.value
    }

    private func lookUpPartitionCount(of topic: String) async throws -> Int32 {
        let autoCreate = configuration.allowAutoCreateTopics
        let client = client
        let fresh = try await client.retrying("metadata for \(topic)") { () async throws(KafkaClientError) -> ClusterMetadata in
            let metadata = try await client.metadata(topics: [topic], autoCreate: autoCreate, refresh: true)
            if let error = metadata.topics[topic]?.errorCode, error != .none {
                throw .broker(error, "metadata for \(topic)")
            }
            return metadata
        }
        metadata = fresh
        guard let count = fresh.partitionCount(of: topic) else {
            throw KafkaClientError.broker(.unknownTopicOrPartition, topic)
        }
        return count
    }

    private func initProducerID() async throws {
        let client = client
        let response = try await client.retrying("InitProducerId") { () async throws(KafkaClientError) -> InitProducerIdResponse in
            var request = InitProducerIdRequest()
            request.transactionalID = nil
            request.transactionTimeoutMs = Int32.max
            let response = try await client.sendToAnyBroker(request)
            guard response.errorCode == KafkaErrorCode.none.rawValue else {
                throw .broker(KafkaErrorCode(rawValue: response.errorCode), "InitProducerId")
            }
            return response
        }
        producerID = response.producerID
        producerEpoch = response.producerEpoch
    }

    // MARK: Sending batches

    /// Sends whatever the accumulator has ready, and arranges to be called again when more will be.
    private func pump() {
        let now = ContinuousClock.now
        let ready = accumulator.drain(now: now)
        var byLeader: [Int32: [RecordAccumulator<PendingRecord, Delivery>.Batch]] = [:]
        for var batch in ready {
            if batch.createdAt + configuration.deliveryTimeout < now {
                fail(batch, KafkaClientError.requestTimedOut("delivery.timeout.ms expired for \(batch.partition)"))
                continue
            }
            guard let leader = metadata?.leader(of: batch.partition) else {
                accumulator.retry(batch, notBefore: now + configuration.client.backoff(attempt: batch.attempts + 1))
                refreshMetadata()
                continue
            }
            if idempotent && batch.baseSequence == nil {
                let next = nextSequence[batch.partition] ?? 0
                batch.baseSequence = next
                nextSequence[batch.partition] = (next &+ Int32(batch.records.count)) & Int32.max
            }
            byLeader[leader, default: []].append(batch)
        }
        for (leader, batches) in byLeader {
            Task { await self.produce(batches, to: leader) }
        }
        scheduleWakeup()
        if accumulator.isIdle {
            let waiters = flushWaiters
            flushWaiters = []
            for waiter in waiters { waiter.resume() }
        }
    }

    private func scheduleWakeup() {
        guard let next = accumulator.nextWakeup(now: .now) else { return }
        if let scheduled = scheduledWakeup, scheduled <= next, scheduled > .now { return }
        scheduledWakeup = next
        Task {
            try? await Task.sleep(until: next, clock: .continuous)
            self.wakeup(next)
        }
    }

    private func wakeup(_ instant: ContinuousClock.Instant) {
        if scheduledWakeup == instant { scheduledWakeup = nil }
        pump()
    }

    private var refreshing = false

    private func refreshMetadata() {
        guard !refreshing else { return }
        refreshing = true
        let topics = Array(Set(metadata?.topics.keys.map { $0 } ?? []))
        let client = client
        let autoCreate = configuration.allowAutoCreateTopics
        Task {
            let fresh = try? await client.metadata(topics: topics, autoCreate: autoCreate, refresh: true)
            self.metadataRefreshed(fresh)
        }
    }

    private func metadataRefreshed(_ fresh: ClusterMetadata?) {
        refreshing = false
        if let fresh { metadata = fresh }
        pump()
    }

    private func produce(_ batches: [RecordAccumulator<PendingRecord, Delivery>.Batch], to leader: Int32) async {
        var request = ProduceRequest()
        request.acks = configuration.acks.rawValue
        request.timeoutMs = Int32(clamping: configuration.client.requestTimeout.components.seconds * 1000)
        var encoded: [RecordAccumulator<PendingRecord, Delivery>.Batch] = []
        for batch in batches {
            do {
                let records = try encode(batch)
                var partitionData = ProduceRequest.PartitionProduceData()
                partitionData.index = batch.partition.partition
                partitionData.records = records
                if let index = request.topicData.firstIndex(where: { $0.name == batch.partition.topic }) {
                    request.topicData[index].partitionData.append(partitionData)
                } else {
                    var topicData = ProduceRequest.TopicProduceData()
                    topicData.name = batch.partition.topic
                    topicData.partitionData = [partitionData]
                    request.topicData.append(topicData)
                }
                encoded.append(batch)
            } catch {
                accumulator.completed(batch.partition)
                fail(batch, error)
            }
        }
        guard !encoded.isEmpty else { return pump() }

        if configuration.acks == .none {
            do {
                try await client.sendWithoutResponse(request, to: leader)
                for batch in encoded {
                    accumulator.completed(batch.partition)
                    deliver(batch, baseOffset: -1, logAppendTime: -1)
                }
            } catch {
                retryOrFail(encoded, error)
            }
            return pump()
        }

        let response: ProduceResponse
        do {
            response = try await client.send(request, to: leader)
        } catch {
            retryOrFail(encoded, error)
            return pump()
        }
        for batch in encoded {
            let partitionResponse = response.responses.first { $0.name == batch.partition.topic }?
                .partitionResponses.first { $0.index == batch.partition.partition }
            guard let partitionResponse else {
                retryOrFail([batch], KafkaClientError.protocolError("no response for \(batch.partition)"))
                continue
            }
            let code = KafkaErrorCode(rawValue: partitionResponse.errorCode)
            if code == .none || code == .duplicateSequenceNumber {
                accumulator.completed(batch.partition)
                deliver(batch, baseOffset: code == .none ? partitionResponse.baseOffset : -1,
                        logAppendTime: partitionResponse.logAppendTimeMs)
            } else {
                let message = partitionResponse.errorMessage.map { ": \($0)" } ?? ""
                retryOrFail([batch], KafkaClientError.broker(code, "\(batch.partition)\(message)"))
            }
        }
        pump()
    }

    /// The batch's records as one record batch v2, compressed, with the producer id and sequence.
    private func encode(_ batch: RecordAccumulator<PendingRecord, Delivery>.Batch) throws -> ByteBuffer {
        var builder = RecordBatchBuilder(
            compression: configuration.compression, producerId: idempotent ? producerID : -1,
            producerEpoch: idempotent ? producerEpoch : -1, baseSequence: batch.baseSequence ?? -1)
        for pending in batch.records {
            builder.append(
                key: pending.record.key.map { ByteBuffer(bytes: $0) }, value: pending.record.value.map { ByteBuffer(bytes: $0) },
                headers: pending.record.headers, timestamp: pending.timestamp)
        }
        return try builder.build()
    }

    private func deliver(_ batch: RecordAccumulator<PendingRecord, Delivery>.Batch, baseOffset: Int64, logAppendTime: Int64) {
        for (index, (pending, delivery)) in zip(batch.records, batch.completions).enumerated() {
            delivery.report(
                .success(RecordMetadata(
                    topic: batch.partition.topic, partition: batch.partition.partition,
                    offset: baseOffset < 0 ? -1 : baseOffset + Int64(index),
                    timestamp: logAppendTime >= 0 ? logAppendTime : pending.timestamp)))
        }
    }

    private func fail(_ batch: RecordAccumulator<PendingRecord, Delivery>.Batch, _ error: any Error) {
        for delivery in batch.completions { delivery.report(.failure(error)) }
    }

    private func retryOrFail(_ batches: [RecordAccumulator<PendingRecord, Delivery>.Batch], _ error: any Error) {
        let now = ContinuousClock.now
        let retriable = (error as? KafkaClientError)?.isRetriable ?? false
        for batch in batches {
            if retriable && batch.createdAt + configuration.deliveryTimeout > now {
                accumulator.retry(batch, notBefore: now + configuration.client.backoff(attempt: batch.attempts + 1))
            } else {
                accumulator.completed(batch.partition)
                fail(batch, error)
            }
        }
        if retriable { refreshMetadata() }
    }
}
