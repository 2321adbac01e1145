import PetrelProtocol

/// Producer settings; names and defaults follow the Java client's (`acks`, `batch.size`, `linger.ms`...).
public struct ProducerConfiguration: Sendable {
    /// `acks`: how many replicas must have the batch before the broker answers.
    public enum Acks: Int16, Sendable, CaseIterable {
        /// acks=0: the broker sends no response; records get offset -1.
        case none = 0
        /// acks=1: the leader has written it.
        case leader = 1
        /// acks=all (-1): every in-sync replica has it (and, on Petrel, it is durable).
        case all = -1
    }

    public var client: ClientConfiguration
    public var acks = Acks.all
    /// `enable.idempotence`: nil means the Java default, on exactly when `acks` is `all` (and at most 5
    /// requests may be in flight). Setting it to true with another `acks` is rejected, as the Java
    /// client does.
    public var enableIdempotence: Bool?
    /// `batch.size`: a partition's batch is sent once it holds this many bytes.
    public var batchSize = 16384
    /// `linger.ms`: a partition's batch is sent at most this long after its first record (Kafka 4.0: 5 ms).
    public var linger: Duration = .milliseconds(5)
    /// `compression.type`.
    public var compression = CompressionCodec.none
    /// `delivery.timeout.ms`: a record not acknowledged by then fails.
    public var deliveryTimeout: Duration = .seconds(120)
    /// `max.request.size`: a single record larger than this is rejected before sending.
    public var maxRequestSize = 1_048_576
    /// `max.in.flight.requests.per.connection`: Produce requests sent to one broker and not yet answered.
    /// At most 5 with idempotence, as in the Java client: the broker remembers the last 5 batches of a
    /// producer per partition to recognise a retried one.
    public var maxInFlightRequestsPerConnection = 5
    /// `allow.auto.create.topics` for the producer's metadata requests.
    public var allowAutoCreateTopics = true

    public init(client: ClientConfiguration) {
        self.client = client
    }

    /// Whether this configuration produces idempotently.
    func idempotent() throws(KafkaClientError) -> Bool {
        guard maxInFlightRequestsPerConnection >= 1 else {
            throw .invalidArgument("max.in.flight.requests.per.connection must be at least 1")
        }
        let pipelineFits = maxInFlightRequestsPerConnection <= 5
        switch (enableIdempotence, acks) {
        // The Java client turns the default idempotence off, silently, when more requests may be in flight.
        case (nil, .all): return pipelineFits
        case (true, .all) where pipelineFits: return true
        case (true, .all): throw .invalidArgument("enable.idempotence needs max.in.flight.requests.per.connection <= 5")
        case (true, _): throw .invalidArgument("enable.idempotence=true requires acks=all")
        case (nil, _), (false, _): return false
        }
    }
}

/// A record to produce. `partition` nil lets the partitioner choose (murmur2 of the key, or sticky).
public struct ProducerRecord: Sendable {
    public var topic: String
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]
    /// Milliseconds since the epoch (CreateTime); nil uses the time of `send`.
    public var timestamp: Int64?

    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]?, headers: [RecordHeader] = [],
        timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// Where a record landed: its delivery report.
public struct RecordMetadata: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    /// -1 with acks=0 (the broker does not say).
    public var offset: Int64
    /// The record's timestamp: the broker's LogAppendTime when the topic uses it, else CreateTime.
    public var timestamp: Int64
}
