import NIOCore
import PetrelProtocol
import Synchronization

/// An asynchronous Kafka producer: `send` returns the record's delivery report (partition, offset)
/// once the broker acknowledged it, or throws.
///
/// `send` hands the record over without waiting for the actor (librdkafka's `produce`): records queue
/// in `intake` and the actor takes them in bulk, picks partitions and batches them per partition
/// (`batch.size`, `linger.ms`) in a `RecordAccumulator`. Batches are compressed with
/// `compression.type` and sent to each partition's leader, one batch per partition per Produce
/// request, up to `max.in.flight.requests.per.connection` requests in flight per broker. With
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

    /// A record on its way into a batch: only what goes into the record batch (topic and partition are
    /// the batch's).
    struct PendingRecord: Sendable {
        var key: [UInt8]?
        var value: [UInt8]?
        var headers: [RecordHeader]
        var timestamp: Int64
        var estimatedSize: Int

        /// Varint lengths, attributes and deltas: about 21 bytes besides the payload, as the Java client estimates.
        static func estimatedSize(of record: ProducerRecord) -> Int {
            21 + (record.key?.count ?? 0) + (record.value?.count ?? 0)
                + record.headers.reduce(0) { $0 + 10 + $1.key.utf8.count + ($1.value?.readableBytes ?? 0) }
        }
    }

    /// A batch's records, encoded as they are appended (each record once, straight into the batch's
    /// buffer), and their timestamps for the delivery reports.
    struct EncodedRecords: BatchBody, Sendable {
        var writer: RecordBatchWriter
        var timestamps: [Int64] = []

        static func estimatedSize(of record: PendingRecord) -> Int { record.estimatedSize }

        init(capacity: Int) {
            writer = RecordBatchWriter(capacity: capacity)
        }

        mutating func reset() {
            writer.reset()
            timestamps.removeAll(keepingCapacity: true)
        }

        mutating func append(_ record: PendingRecord) {
            writer.append(key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp)
            timestamps.append(record.timestamp)
        }
    }

    /// The intake's other queue: `takeIntake` swaps it with the full one and empties it, so neither side
    /// allocates (a queue emptied while still shared would get a fresh buffer of the same capacity).
    private var spareIntake: [Intake.Handed] = []

    /// Records `send` handed over that the actor has not taken yet.
    struct Intake: Sendable {
        struct Handed: Sendable {
            var topic: String
            /// The partition the caller chose, if any.
            var partition: Int32?
            var pending: PendingRecord
            var delivery: Delivery
        }

        var records: [Handed] = []
        /// A `takeIntake` is scheduled or running; a `send` that finds it false schedules one.
        var taking = false
        /// Set by `close()`: later sends fail.
        var closed = false
    }

    typealias Accumulator = RecordAccumulator<EncodedRecords, Delivery>
    typealias Batch = Accumulator.Batch

    public nonisolated let configuration: ProducerConfiguration
    private nonisolated let intake = Mutex(Intake())
    private let client: KafkaClient
    private let ownsClient: Bool
    private let idempotent: Bool
    private var accumulator: Accumulator
    private var partitioner: StickyPartitioner
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
        accumulator = RecordAccumulator(batchSize: configuration.batchSize, linger: configuration.linger)
        partitioner = StickyPartitioner()
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

    /// Checks the record's size and queues it in `intake`, scheduling the actor to take it when no one is.
    private nonisolated func hand(_ record: ProducerRecord, _ delivery: @escaping Delivery) throws(KafkaClientError) {
        let size = PendingRecord.estimatedSize(of: record)
        guard size + Accumulator.batchOverhead <= configuration.maxRequestSize else {
            throw .broker(.messageTooLarge, "record of \(size) bytes > max.request.size")
        }
        let pending = PendingRecord(
            key: record.key, value: record.value, headers: record.headers,
            timestamp: record.timestamp ?? WallClock.nowMilliseconds(), estimatedSize: size)
        let handed = Intake.Handed(topic: record.topic, partition: record.partition, pending: pending, delivery: delivery)
        let schedule = try intake.withLock { intake throws(KafkaClientError) -> Bool in
            if intake.closed { throw .closed("producer closed") }
            intake.records.append(handed)
            if intake.taking { return false }
            intake.taking = true
            return true
        }
        if schedule { Task { await self.takeIntake() } }
    }

    /// Takes what `send` queued, in order, until the intake is empty: picks each record's partition
    /// (fetching the producer id and partition counts first when unknown) and appends it to its batch.
    private func takeIntake() async {
        var taken = spareIntake
        spareIntake = []
        defer { spareIntake = taken }
        while intake.withLock({ intake -> Bool in
            if intake.records.isEmpty {
                intake.taking = false
                return false
            }
            swap(&intake.records, &taken)
            return true
        }) {
            let now = ContinuousClock.now
            var closedBatch = false
            var openedBatch = false
            // Where the previous unkeyed record without a chosen partition went: the next one of that topic
            // goes there too until a batch closes (the sticky partitioner's rule), without asking it again.
            var sticky: (TopicPartition, Int32)?
            for handed in taken {
                let unpinned = handed.partition == nil && handed.pending.key == nil
                do {
                    var placed = unpinned && sticky?.0.topic == handed.topic ? sticky : try placement(of: handed)
                    if placed == nil {
                        try await learnPlacement(of: handed.topic)
                        sticky = nil
                        placed = try placement(of: handed)
                    }
                    guard let (partition, count) = placed else {
                        throw KafkaClientError.broker(.unknownTopicOrPartition, handed.topic)
                    }
                    let result = accumulator.append(handed.pending, completion: handed.delivery, to: partition, now: now)
                    if result.closedBatch {
                        partitioner.batchClosed(topic: partition.topic, partition: partition.partition, partitionCount: count)
                        sticky = nil
                    } else if unpinned {
                        sticky = (partition, count)
                    }
                    closedBatch = closedBatch || result.closedBatch
                    openedBatch = openedBatch || result.openedBatch
                } catch {
                    handed.delivery(.failure(error))
                }
            }
            taken.removeAll(keepingCapacity: true)
            if closedBatch || accumulator.flushing {
                pump()
            } else if openedBatch {
                scheduleWakeup()
            }
        }
        resumeFlushWaitersIfIdle()
    }

    /// The record's partition and its topic's partition count, or nil while the producer id or the
    /// topic's partition count is unknown (`learnPlacement` fetches them).
    private func placement(of record: Intake.Handed) throws(KafkaClientError) -> (TopicPartition, Int32)? {
        guard !idempotent || producerID >= 0, let count = metadata?.partitionCount(of: record.topic) else { return nil }
        if let chosen = record.partition {
            guard chosen >= 0 && chosen < count else {
                throw .broker(.unknownTopicOrPartition, "\(record.topic) has \(count) partitions")
            }
            return (TopicPartition(topic: record.topic, partition: chosen), count)
        }
        let partition = partitioner.partition(topic: record.topic, key: record.pending.key, partitionCount: count)
        return (TopicPartition(topic: record.topic, partition: partition), count)
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
    }

    /// Sends everything buffered now (ignoring `linger.ms`) and waits until every record is acknowledged or failed.
    public func flush() async {
        accumulator.flushing = true
        pump()
        while !isIdle {
            await withCheckedContinuation { flushWaiters.append($0) }
        }
        accumulator.flushing = false
        await reporting?.value
    }

    /// Flushes, then closes the connections (when the producer owns them). Sends from now on fail.
    public func close() async {
        intake.withLock { $0.closed = true }
        await flush()
        if ownsClient { await client.close() }
    }

    private var isIdle: Bool {
        accumulator.isIdle && intake.withLock { $0.records.isEmpty && !$0.taking }
    }

    private func resumeFlushWaitersIfIdle() {
        guard !flushWaiters.isEmpty, isIdle else { return }
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
        for batch in accumulator.expire(createdBefore: now - configuration.deliveryTimeout) {
            fail(batch, KafkaClientError.requestTimedOut("delivery.timeout.ms expired for \(batch.partition)"))
        }
        while true {
            var ready = accumulator.drain(now: now, canSend: canSend)
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
                    accumulator.retry(batch, notBefore: now)
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
        guard let next = accumulator.nextWakeup(now: .now, canSend: canSend) else { return }
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
        if let fresh { metadata = fresh }
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
            accumulator.completed(batch)
            fail(batch, error)
        }
        guard !encoded.batches.isEmpty, let connection = connections[leader] else {
            requestsInFlight[leader, default: 1] -= 1
            for batch in encoded.batches { accumulator.retry(batch, notBefore: .now) }
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
                accumulator.completed(batch)
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
                    accumulator.completed(batch)
                    deliver(batch, baseOffset: code == .none ? partitionResponse.baseOffset : -1,
                            logAppendTime: partitionResponse.logAppendTimeMs)
                } else if code == .outOfOrderSequenceNumber && accumulator.hasEarlierOutstanding(than: batch) {
                    // An earlier batch of the partition failed and will be resent first: this one follows it.
                    accumulator.retry(batch, notBefore: .now)
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

    /// Queues the batch's delivery reports and recycles its body. The report captures only the
    /// completions and timestamps, not the records.
    private func deliver(_ batch: Batch, baseOffset: Int64, logAppendTime: Int64) {
        let (partition, completions, timestamps) = (batch.partition, batch.completions, batch.body.timestamps)
        accumulator.recycle(batch.body)
        reports.append {
            for (index, (timestamp, delivery)) in zip(timestamps, completions).enumerated() {
                delivery(
                    .success(RecordMetadata(
                        topic: partition.topic, partition: partition.partition,
                        offset: baseOffset < 0 ? -1 : baseOffset + Int64(index),
                        timestamp: logAppendTime >= 0 ? logAppendTime : timestamp)))
            }
        }
    }

    private func fail(_ batch: Batch, _ error: any Error) {
        let completions = batch.completions
        accumulator.recycle(batch.body)
        reports.append {
            for delivery in completions { delivery(.failure(error)) }
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
                accumulator.retry(batch, notBefore: now + configuration.client.backoff(attempt: batch.attempts + 1))
            } else {
                accumulator.completed(batch)
                fail(batch, error)
            }
        }
        if retriable { refreshMetadata() }
    }
}
