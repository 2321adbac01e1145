import NIOCore
import PetrelProtocol
import Synchronization

/// An asynchronous Kafka producer: `send` returns the record's delivery report (partition, offset)
/// once the broker acknowledged it, or throws.
///
/// `send` does not wait for the actor (librdkafka's `produce`): under a short lock it picks the
/// record's partition and encodes the record straight into that partition's open batch in a
/// `RecordAccumulator` (`batch.size`, `linger.ms`). Only a record whose placement is not known yet
/// (topic metadata, or the producer id with idempotence) is queued for the actor, which fetches what is
/// missing; later sends queue behind it so order is kept. The actor sends what the accumulator has
/// ready to each partition's leader, compressed with `compression.type`, one batch per partition per
/// Produce request, up to `max.in.flight.requests.per.connection` requests in flight per broker. With
/// idempotence (the default with acks=all) the producer gets a producer id from InitProducerId and
/// numbers each partition's batches, so retries after a lost response never duplicate records, and a
/// retried batch goes out again before the ones behind it. Retriable errors (NOT_LEADER_OR_FOLLOWER,
/// UNKNOWN_TOPIC_OR_PARTITION, timeouts, lost connections) refresh the metadata and resend the batch,
/// until `delivery.timeout.ms`.
///
/// RPCs: Metadata, InitProducerId, Produce.
public actor KafkaProducer {
    /// Where a record's delivery report goes: the callback of `send(_:onDelivery:)`, or one resuming a
    /// waiting `send`. A plain closure: copying it per record costs one retain.
    typealias Delivery = @Sendable (Result<RecordMetadata, any Error>) -> Void

    /// Varint lengths, attributes and deltas: about 21 bytes besides the payload, as the Java client estimates.
    static func estimatedSize(of record: ProducerRecord) -> Int {
        21 + (record.key?.count ?? 0) + (record.value?.count ?? 0)
            + record.headers.reduce(0) { $0 + 10 + $1.key.utf8.count + ($1.value?.readableBytes ?? 0) }
    }

    /// A batch's records, encoded as they are appended (each record once, straight into the batch's
    /// buffer), and their timestamps for the delivery reports.
    struct EncodedRecords: BatchBody, Sendable {
        var writer: RecordBatchWriter
        var timestamps: [Int64] = []

        static func estimatedSize(of record: ProducerRecord) -> Int { KafkaProducer.estimatedSize(of: record) }

        init(capacity: Int) {
            writer = RecordBatchWriter(capacity: capacity)
        }

        mutating func reset() {
            writer.reset()
            timestamps.removeAll(keepingCapacity: true)
        }

        /// A record without a timestamp gets the current time: records are appended when sent (a queued
        /// record got its timestamp when it was queued).
        mutating func append(_ record: ProducerRecord) {
            let timestamp = record.timestamp ?? WallClock.nowMilliseconds()
            writer.append(key: record.key, value: record.value, headers: record.headers, timestamp: timestamp)
            timestamps.append(timestamp)
        }
    }

    typealias Accumulator = RecordAccumulator<EncodedRecords, Delivery>
    typealias Batch = Accumulator.Batch

    /// What `send` and the actor share, behind one lock: the batches being filled and what placing a
    /// record needs. Each lock holds one record's placement and encoding, or one actor step (placing the
    /// queued records is one).
    struct Intake: Sendable {
        /// A record waiting for the actor: its placement is not known yet, or records ahead of it wait.
        struct Queued: Sendable {
            var record: ProducerRecord
            var delivery: Delivery
        }

        /// Where a record goes: its partition, the topic's partition count, and whether the sticky
        /// partitioner chose it (no key, no partition given).
        struct Placement: Sendable {
            var partition: TopicPartition
            var partitionCount: Int32
            var sticky: Bool
        }

        var accumulator: Accumulator
        var partitioner = StickyPartitioner()
        /// Partition counts of the topics records can be placed in now: set by the actor from its
        /// metadata, and only once the producer id is known (idempotence).
        var partitionCounts: [String: Int32] = [:]
        /// Where the previous sticky record went: the next unkeyed record of that topic goes there too
        /// until a batch closes (the sticky partitioner's rule), without asking it again.
        var lastSticky: Placement?
        /// Records queued for the actor, in send order.
        var queued: [Queued] = []
        /// The actor is taking `queued`: until it has emptied it, every send queues (order).
        var taking = false
        /// The actor is scheduled to pump (a batch opened or closed, or a flush is on).
        var pumpRequested = false
        /// Set by `close()`: later sends fail.
        var closed = false

        /// The record's placement, or nil while its topic's partition count is unknown (or the producer id).
        mutating func placement(of record: ProducerRecord) throws(KafkaClientError) -> Placement? {
            let sticky = record.partition == nil && record.key == nil
            if sticky, let last = lastSticky, last.partition.topic == record.topic { return last }
            guard let count = partitionCounts[record.topic] else { return nil }
            if let chosen = record.partition {
                guard chosen >= 0 && chosen < count else {
                    throw .broker(.unknownTopicOrPartition, "\(record.topic) has \(count) partitions")
                }
                return Placement(partition: TopicPartition(topic: record.topic, partition: chosen), partitionCount: count, sticky: false)
            }
            let partition = partitioner.partition(topic: record.topic, key: record.key, partitionCount: count)
            return Placement(partition: TopicPartition(topic: record.topic, partition: partition), partitionCount: count, sticky: sticky)
        }

        /// Appends the record to its partition's batch. True when the actor must pump and was not asked
        /// yet: a batch opened (its linger starts) or closed, or a flush is on.
        mutating func append(_ record: ProducerRecord, _ delivery: @escaping Delivery, at placement: Placement) -> Bool {
            let result = accumulator.append(record, completion: delivery, to: placement.partition, now: .now)
            if result.closedBatch {
                partitioner.batchClosed(
                    topic: placement.partition.topic, partition: placement.partition.partition,
                    partitionCount: placement.partitionCount)
                lastSticky = nil
            } else if placement.sticky {
                lastSticky = placement
            }
            guard result.closedBatch || result.openedBatch || accumulator.flushing, !pumpRequested else { return false }
            pumpRequested = true
            return true
        }

        /// Nothing buffered, queued or in flight.
        var isIdle: Bool { accumulator.isIdle && queued.isEmpty && !taking }
    }

    public nonisolated let configuration: ProducerConfiguration
    private nonisolated let intake: Mutex<Intake>
    private let client: KafkaClient
    private let ownsClient: Bool
    private let idempotent: Bool
    private var metadata: ClusterMetadata?
    private var producerID: Int64 = -1
    /// The InitProducerId or Metadata lookup in progress, shared by every send waiting for it.
    private var initializing: Task<Void, any Error>?
    private var lookups: [String: Task<Int32, any Error>] = [:]
    private var producerEpoch: Int16 = -1
    private var nextSequence: [TopicPartition: Int32] = [:]
    /// Live connections to partition leaders, and the leaders being connected to.
    private var connections: [Int32: BrokerConnection] = [:]
    private var connecting: Set<Int32> = []
    /// Produce requests sent to each broker and not yet answered.
    private var requestsInFlight: [Int32: Int] = [:]
    /// The handling of each broker's latest response: the next one waits for it, so responses are
    /// handled in the order the requests were sent.
    private var lastResponse: [Int32: Task<Void, Never>] = [:]
    private var scheduledWakeup: ContinuousClock.Instant?
    private var flushWaiters: [CheckedContinuation<Void, Never>] = []
    /// Delivery reports not dispatched yet, and the dispatched ones still running (`dispatchReports`).
    private var reports: [@Sendable () -> Void] = []
    private var reporting: Task<Void, Never>?

    /// A producer with its own connections, or sharing `client`'s.
    public init(configuration: ProducerConfiguration, client: KafkaClient? = nil) throws(KafkaClientError) {
        self.configuration = configuration
        self.client = client ?? KafkaClient(configuration: configuration.client)
        ownsClient = client == nil
        idempotent = try configuration.idempotent()
        intake = Mutex(Intake(accumulator: RecordAccumulator(batchSize: configuration.batchSize, linger: configuration.linger)))
    }

    /// Produces `record` and waits for its delivery report.
    public nonisolated func send(_ record: ProducerRecord) async throws -> RecordMetadata {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try hand(record) { continuation.resume(with: $0) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Buffers `record` and returns; `onDelivery` gets its delivery report later (also when the topic
    /// cannot be found). Records sent this way from one task keep their order (librdkafka's `produce`
    /// with a delivery callback). Throws only when the producer is closed or the record is larger than
    /// `max.request.size`.
    public nonisolated func send(
        _ record: ProducerRecord, onDelivery: @escaping @Sendable (Result<RecordMetadata, any Error>) -> Void
    ) async throws {
        try hand(record, onDelivery)
    }

    /// Checks the record's size, then appends it to its batch, or queues it for the actor when its
    /// placement is unknown or records are queued ahead of it (scheduling the actor when no one did).
    private nonisolated func hand(_ record: ProducerRecord, _ delivery: @escaping Delivery) throws(KafkaClientError) {
        let size = Self.estimatedSize(of: record)
        guard size + Accumulator.batchOverhead <= configuration.maxRequestSize else {
            throw .broker(.messageTooLarge, "record of \(size) bytes > max.request.size")
        }
        enum Next { case none, pump, take, fail(KafkaClientError) }
        let next = try intake.withLock { intake throws(KafkaClientError) -> Next in
            if intake.closed { throw .closed("producer closed") }
            if !intake.taking {
                do throws(KafkaClientError) {
                    if let placement = try intake.placement(of: record) {
                        return intake.append(record, delivery, at: placement) ? .pump : .none
                    }
                } catch {
                    return .fail(error)
                }
            }
            var queued = record
            queued.timestamp = record.timestamp ?? WallClock.nowMilliseconds()
            intake.queued.append(Intake.Queued(record: queued, delivery: delivery))
            if intake.taking { return .none }
            intake.taking = true
            return .take
        }
        switch next {
        case .none: break
        case .pump: Task { await self.requestedPump() }
        case .take: Task { await self.takeQueued() }
        case .fail(let error): delivery(.failure(error))
        }
    }

    /// Takes what `send` queued, in order, until the queue is empty. Records whose placement is known
    /// are appended in one go under one lock (`send` waits meanwhile, and finds the queue empty after),
    /// so a sender faster than the actor cannot keep the producer on this path. At the first record
    /// whose placement is unknown it fetches the producer id and partition counts, then goes on.
    private func takeQueued() async {
        while true {
            let (unplaced, failed) = intake.withLock { intake -> (Intake.Queued?, [(Delivery, KafkaClientError)]) in
                var failed: [(Delivery, KafkaClientError)] = []
                var taken = 0
                defer { intake.queued.removeFirst(taken) }
                for queued in intake.queued {
                    do throws(KafkaClientError) {
                        guard let placement = try intake.placement(of: queued.record) else { return (queued, failed) }
                        _ = intake.append(queued.record, queued.delivery, at: placement)
                    } catch {
                        failed.append((queued.delivery, error))
                    }
                    taken += 1
                }
                intake.taking = false
                return (nil, failed)
            }
            for (delivery, error) in failed { delivery(.failure(error)) }
            // Pumps for the batches these appends opened or closed (whether or not they asked).
            requestedPump()
            guard let unplaced else { break }
            do {
                try await learnPlacement(of: unplaced.record.topic)
                let placement = try intake.withLock { intake throws(KafkaClientError) in try intake.placement(of: unplaced.record) }
                if placement == nil {
                    throw KafkaClientError.broker(.unknownTopicOrPartition, unplaced.record.topic)
                }
            } catch {
                // The record at the head of the queue cannot be placed: it fails, the rest go on.
                intake.withLock { _ = $0.queued.removeFirst() }
                unplaced.delivery(.failure(error))
            }
        }
        resumeFlushWaitersIfIdle()
    }

    /// A `send` opened or closed a batch, or appended during a flush. The request is cleared first, so
    /// an append after it asks again.
    private func requestedPump() {
        intake.withLock { $0.pumpRequested = false }
        pump()
    }

    /// Fetches the producer id (idempotence) and `topic`'s partition count, shared with concurrent lookups.
    private func learnPlacement(of topic: String) async throws {
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
        _ = try await partitionCount(of: topic)
        publishPartitionCounts()
    }

    /// Lets `send` place records of the topics in the metadata (once the producer id is known).
    private func publishPartitionCounts() {
        guard !idempotent || producerID >= 0, let metadata else { return }
        var counts: [String: Int32] = [:]
        for topic in metadata.topics.keys {
            if let count = metadata.partitionCount(of: topic) { counts[topic] = count }
        }
        intake.withLock {
            if $0.partitionCounts != counts {
                $0.partitionCounts = counts
                $0.lastSticky = nil
            }
        }
    }

    /// Sends everything buffered now (ignoring `linger.ms`) and waits until every record is acknowledged or failed.
    public func flush() async {
        intake.withLock { $0.accumulator.flushing = true }
        pump()
        while !intake.withLock({ $0.isIdle }) {
            await withCheckedContinuation { flushWaiters.append($0) }
        }
        intake.withLock { $0.accumulator.flushing = false }
        await reporting?.value
    }

    /// Flushes, then closes the connections (when the producer owns them). Sends from now on fail.
    public func close() async {
        intake.withLock { $0.closed = true }
        await flush()
        if ownsClient { await client.close() }
    }

    private func resumeFlushWaitersIfIdle() {
        guard !flushWaiters.isEmpty, intake.withLock({ $0.isIdle }) else { return }
        let waiters = flushWaiters
        flushWaiters = []
        for waiter in waiters { waiter.resume() }
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

    /// Sends whatever the accumulator has ready, as many Produce requests per broker as its in-flight
    /// limit allows (each with at most one batch per partition), and arranges to be called again when
    /// more will be ready.
    private func pump() {
        let now = ContinuousClock.now
        let cutoff = now - configuration.deliveryTimeout
        for batch in intake.withLock({ $0.accumulator.expire(createdBefore: cutoff) }) {
            fail(batch, KafkaClientError.requestTimedOut("delivery.timeout.ms expired for \(batch.partition)"))
        }
        while true {
            var ready = intake.withLock { $0.accumulator.drain(now: now, canSend: canSend) }
            if ready.isEmpty { break }
            // Sealed in place, through the array: a copy of a batch would make sealing copy its buffer.
            for index in ready.indices {
                if idempotent && ready[index].baseSequence == nil {
                    let partition = ready[index].partition
                    let next = nextSequence[partition] ?? 0
                    ready[index].baseSequence = next
                    nextSequence[partition] = (next &+ Int32(ready[index].completions.count)) & Int32.max
                }
                let (producerID, producerEpoch) = idempotent ? (producerID, producerEpoch) : (-1, -1)
                ready[index].body.writer.seal(
                    producerId: producerID, producerEpoch: producerEpoch, baseSequence: ready[index].baseSequence ?? -1)
            }
            var byLeader: [Int32: [Batch]] = [:]
            for batch in ready {
                guard let leader = metadata?.leader(of: batch.partition) else {
                    intake.withLock { $0.accumulator.retry(batch, notBefore: now) }
                    continue
                }
                byLeader[leader, default: []].append(batch)
            }
            for (leader, batches) in byLeader {
                send(batches, to: leader)
            }
        }
        scheduleWakeup()
        dispatchReports()
        resumeFlushWaitersIfIdle()
    }

    /// Whether a batch of `partition` may go out now: its leader is known, connected, and below
    /// `max.in.flight.requests.per.connection`. Starts the metadata refresh or connection it lacks.
    private func canSend(_ partition: TopicPartition) -> Bool {
        guard let leader = metadata?.leader(of: partition) else {
            refreshMetadata()
            return false
        }
        guard connection(to: leader) != nil else { return false }
        return requestsInFlight[leader, default: 0] < configuration.maxInFlightRequestsPerConnection
    }

    /// The live connection to `leader`, or nil while one is being made.
    private func connection(to leader: Int32) -> BrokerConnection? {
        if let connection = connections[leader], connection.isActive { return connection }
        connections[leader] = nil
        if connecting.insert(leader).inserted {
            let client = client
            Task {
                do {
                    self.connected(leader, try await client.connection(to: leader))
                } catch {
                    await self.connectionFailed(leader)
                }
            }
        }
        return nil
    }

    private func connected(_ leader: Int32, _ connection: BrokerConnection) {
        connecting.remove(leader)
        connections[leader] = connection
        pump()
    }

    /// Tries again after `retry.backoff.ms`, with fresh metadata (the leader may have moved).
    private func connectionFailed(_ leader: Int32) async {
        refreshMetadata()
        try? await Task.sleep(for: configuration.client.retryBackoff)
        connecting.remove(leader)
        pump()
    }

    private func scheduleWakeup() {
        guard let next = intake.withLock({ $0.accumulator.nextWakeup(now: .now, canSend: canSend) }) else { return }
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
    private var lastRefresh: ContinuousClock.Instant?

    /// Refreshes the metadata of every topic produced to, at most once per `retry.backoff.ms`.
    private func refreshMetadata() {
        guard !refreshing else { return }
        refreshing = true
        let notBefore = lastRefresh.map { $0 + configuration.client.retryBackoff }
        let topics = Array(metadata?.topics.keys.map { $0 } ?? [])
        let client = client
        let autoCreate = configuration.allowAutoCreateTopics
        Task {
            if let notBefore { try? await Task.sleep(until: notBefore, clock: .continuous) }
            let fresh = try? await client.metadata(topics: topics, autoCreate: autoCreate, refresh: true)
            self.metadataRefreshed(fresh)
        }
    }

    private func metadataRefreshed(_ fresh: ClusterMetadata?) {
        refreshing = false
        lastRefresh = .now
        if let fresh {
            metadata = fresh
            publishPartitionCounts()
        }
        pump()
    }

    /// A Produce request encoded off the actor, and the batches it carries; those that failed to encode
    /// (compression) are reported apart.
    struct EncodedRequest: Sendable {
        var request = ProduceRequest()
        var batches: [Batch] = []
        var failed: [(Batch, any Error)] = []
    }

    /// Requests to one broker being encoded: numbered when started, written strictly in that order.
    struct EncodingQueue {
        var started = 0
        var written = 0
        var done: [Int: EncodedRequest] = [:]
    }

    private var encoding: [Int32: EncodingQueue] = [:]

    /// Starts a Produce request of `batches` to `leader`: it is encoded on another thread (compression
    /// and record encoding are most of the producer's work), then written by `encoded` in the order the
    /// requests were started, so each partition's batches leave in sequence order.
    private func send(_ batches: [Batch], to leader: Int32) {
        requestsInFlight[leader, default: 0] += 1
        let ticket = encoding[leader, default: EncodingQueue()].started
        encoding[leader, default: EncodingQueue()].started += 1
        let configuration = configuration
        Task.detached {
            let request = Self.encode(batches, configuration: configuration)
            await self.encoded(request, ticket: ticket, to: leader)
        }
    }

    /// Writes every encoded request of `leader` whose predecessors are written; the response of each is
    /// handled after the previous response of that broker.
    private func encoded(_ request: EncodedRequest, ticket: Int, to leader: Int32) {
        encoding[leader, default: EncodingQueue()].done[ticket] = request
        while let queue = encoding[leader], let next = queue.done[queue.written] {
            encoding[leader]?.done[queue.written] = nil
            encoding[leader]?.written += 1
            write(next, to: leader)
        }
        pump()
    }

    private func write(_ encoded: EncodedRequest, to leader: Int32) {
        for (batch, error) in encoded.failed {
            intake.withLock { $0.accumulator.completed(batch) }
            fail(batch, error)
        }
        guard !encoded.batches.isEmpty, let connection = connections[leader] else {
            requestsInFlight[leader, default: 1] -= 1
            for batch in encoded.batches { intake.withLock { $0.accumulator.retry(batch, notBefore: .now) } }
            return
        }
        let outcome: @Sendable () async -> Result<ProduceResponse?, KafkaClientError>
        do throws(KafkaClientError) {
            if configuration.acks == .none {
                let written = try connection.startWithoutResponse(encoded.request)
                outcome = {
                    do {
                        try await written.get()
                        return .success(nil)
                    } catch {
                        return .failure(.connectionFailed("\(connection.address): \(error)"))
                    }
                }
            } else {
                let inFlight = try connection.start(encoded.request)
                outcome = {
                    do throws(KafkaClientError) {
                        return .success(try await inFlight.response())
                    } catch {
                        return .failure(error)
                    }
                }
            }
        } catch {
            requestsInFlight[leader, default: 1] -= 1
            retryOrFail(encoded.batches, error)
            return
        }
        let previous = lastResponse[leader]
        lastResponse[leader] = Task {
            let result = await outcome()
            await previous?.value
            self.handle(result, for: encoded.batches, from: leader)
        }
    }

    /// Delivers, retries or fails each batch of one Produce request by its partition's answer.
    private func handle(_ result: Result<ProduceResponse?, KafkaClientError>, for batches: [Batch], from leader: Int32) {
        requestsInFlight[leader, default: 1] -= 1
        switch result {
        case .failure(let error):
            if connections[leader]?.isActive == false { connections[leader] = nil }
            retryOrFail(batches, error)
        case .success(nil):
            for batch in batches {
                intake.withLock { $0.accumulator.completed(batch) }
                deliver(batch, baseOffset: -1, logAppendTime: -1)
            }
        case .success(let response?):
            for batch in batches {
                let partitionResponse = response.responses.first { $0.name == batch.partition.topic }?
                    .partitionResponses.first { $0.index == batch.partition.partition }
                guard let partitionResponse else {
                    retryOrFail([batch], KafkaClientError.protocolError("no response for \(batch.partition)"))
                    continue
                }
                let code = KafkaErrorCode(rawValue: partitionResponse.errorCode)
                if code == .none || code == .duplicateSequenceNumber {
                    intake.withLock { $0.accumulator.completed(batch) }
                    deliver(batch, baseOffset: code == .none ? partitionResponse.baseOffset : -1,
                            logAppendTime: partitionResponse.logAppendTimeMs)
                } else if code == .outOfOrderSequenceNumber && intake.withLock({ $0.accumulator.hasEarlierOutstanding(than: batch) }) {
                    // An earlier batch of the partition failed and will be resent first: this one follows it.
                    intake.withLock { $0.accumulator.retry(batch, notBefore: .now) }
                } else {
                    let message = partitionResponse.errorMessage.map { ": \($0)" } ?? ""
                    retryOrFail([batch], KafkaClientError.broker(code, "\(batch.partition)\(message)"))
                }
            }
        }
        pump()
    }

    /// One Produce request holding each (sealed) batch, compressed with `compression.type`. Touches no
    /// actor state: it runs on whichever thread is free.
    private static func encode(_ batches: [Batch], configuration: ProducerConfiguration) -> EncodedRequest {
        var encoded = EncodedRequest()
        encoded.request.acks = configuration.acks.rawValue
        encoded.request.timeoutMs = Int32(clamping: configuration.client.requestTimeout.components.seconds * 1000)
        for batch in batches {
            do {
                var partitionData = ProduceRequest.PartitionProduceData()
                partitionData.index = batch.partition.partition
                partitionData.records = try batch.body.writer.compressed(with: configuration.compression)
                if let index = encoded.request.topicData.firstIndex(where: { $0.name == batch.partition.topic }) {
                    encoded.request.topicData[index].partitionData.append(partitionData)
                } else {
                    var topicData = ProduceRequest.TopicProduceData()
                    topicData.name = batch.partition.topic
                    topicData.partitionData = [partitionData]
                    encoded.request.topicData.append(topicData)
                }
                encoded.batches.append(batch)
            } catch {
                encoded.failed.append((batch, error))
            }
        }
        return encoded
    }

    /// Queues the batch's delivery reports; once they ran, its body and completion array go back to
    /// the accumulator for a new batch. The report captures only those and the partition.
    private func deliver(_ batch: Batch, baseOffset: Int64, logAppendTime: Int64) {
        let (partition, completions, body) = (batch.partition, batch.completions, batch.body)
        reports.append {
            for (index, (timestamp, delivery)) in zip(body.timestamps, completions).enumerated() {
                delivery(
                    .success(RecordMetadata(
                        topic: partition.topic, partition: partition.partition,
                        offset: baseOffset < 0 ? -1 : baseOffset + Int64(index),
                        timestamp: logAppendTime >= 0 ? logAppendTime : timestamp)))
            }
            self.intake.withLock { $0.accumulator.recycle(body, completions: completions) }
        }
    }

    private func fail(_ batch: Batch, _ error: any Error) {
        let (completions, body) = (batch.completions, batch.body)
        reports.append {
            for delivery in completions { delivery(.failure(error)) }
            self.intake.withLock { $0.accumulator.recycle(body, completions: completions) }
        }
    }

    /// Runs the delivery reports decided since the last call off the actor (the callbacks are the
    /// caller's code, and a record's report costs about as much as taking it in), after the reports
    /// dispatched before them: a partition's reports keep their order.
    private func dispatchReports() {
        guard !reports.isEmpty else { return }
        let batch = reports
        reports = []
        let previous = reporting
        reporting = Task.detached {
            await previous?.value
            for report in batch { report() }
        }
    }

    private func retryOrFail(_ batches: [Batch], _ error: any Error) {
        let now = ContinuousClock.now
        let retriable = (error as? KafkaClientError)?.isRetriable ?? false
        for batch in batches {
            if retriable && batch.createdAt + configuration.deliveryTimeout > now {
                let notBefore = now + configuration.client.backoff(attempt: batch.attempts + 1)
                intake.withLock { $0.accumulator.retry(batch, notBefore: notBefore) }
            } else {
                intake.withLock { $0.accumulator.completed(batch) }
                fail(batch, error)
            }
        }
        if retriable { refreshMetadata() }
    }
}
