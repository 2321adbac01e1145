import NIOCore
import NIOPosix
import PetrelProtocol
import Synchronization

/// An in-memory, single-node stand-in for a Kafka broker on a loopback port, speaking just enough of
/// ApiVersions, Metadata, InitProducerId, Produce, Fetch and ListOffsets to exercise the client's
/// connection, retry, idempotence, batching and fetch paths without the real broker. Faults are
/// injected through `state`.
final class FakeBroker: Sendable {
    struct PartitionLog {
        var batches: [ByteBuffer] = []
        var logEndOffset: Int64 = 0
        /// Last sequence appended per producer id (idempotence).
        var lastSequence: [Int64: Int32] = [:]
    }

    struct State {
        var topics: [String: (id: Uuid, partitions: [PartitionLog])] = [:]
        /// Error codes answered (without appending) to the next Produce requests, one per request;
        /// `.none` lets that request through.
        var produceFaults: [KafkaErrorCode] = []
        /// When set, Produce responses are held this long, so the client has to pipeline to keep going.
        var produceResponseDelay: TimeAmount?
        /// Produce responses held right now, and the most ever held at once (requests in flight).
        var heldProduceResponses = 0
        var mostHeldProduceResponses = 0
        /// Batches answered OUT_OF_ORDER_SEQUENCE_NUMBER (a gap after the producer's last sequence).
        var outOfOrderAnswers = 0
        /// When set, the next Produce is appended but its connection is closed instead of answered.
        var dropNextProduceResponse = false
        /// (api key, version) of every request received.
        var requests: [(ApiKey, Int16)] = []
        /// Highest version advertised per API (defaults to what this build supports).
        var maxVersions: [ApiKey: Int16] = [:]
        var nextProducerID: Int64 = 1000
    }

    let state = Mutex(State())
    let port: Int
    private let channel: any Channel

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    static func start() async throws -> FakeBroker {
        let box = Box()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(FakeBrokerHandler(broker: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let broker = FakeBroker(channel: channel, port: channel.localAddress?.port ?? 0)
        box.broker.withLock { $0 = broker }
        return broker
    }

    func stop() async {
        try? await channel.close()
    }

    func createTopic(_ name: String, partitions: Int) {
        state.withLock {
            $0.topics[name] = (Uuid(mostSignificantBits: UInt64(name.hashValue.magnitude), leastSignificantBits: 1),
                               Array(repeating: PartitionLog(), count: partitions))
        }
    }

    /// How many batches partition `partition` of `topic` holds.
    func batchCount(_ topic: String, _ partition: Int) -> Int {
        state.withLock { $0.topics[topic]?.partitions[partition].batches.count ?? 0 }
    }

    func requestCount(_ apiKey: ApiKey) -> Int {
        state.withLock { $0.requests.filter { $0.0 == apiKey }.count }
    }

    fileprivate final class Box: Sendable {
        let broker = Mutex<FakeBroker?>(nil)
    }

    // MARK: Request handling (called on the connection's event loop)

    enum Outcome {
        case respond(ByteBuffer)
        /// `sent` runs on the loop once the frame is written.
        case respondLater(ByteBuffer, TimeAmount, sent: (@Sendable () -> Void)? = nil)
        case noResponse
        case close
    }

    func handle(_ frame: ByteBuffer) throws -> Outcome {
        var reader = KafkaReader(buffer: frame)
        let header = try KafkaFraming.readRequestHeader(from: &reader)
        let apiKey = ApiKey(header.requestApiKey)
        let version = header.requestApiVersion
        let request = try apiKey.decodeRequest(from: &reader, version: version)
        state.withLock { $0.requests.append((apiKey, version)) }
        let id = header.correlationID
        func respond<R: KafkaResponse>(_ response: R) throws -> Outcome {
            .respond(try KafkaFraming.encodeResponse(response, version: version, correlationID: id))
        }
        switch request {
        case is ApiVersionsRequest:
            var response = ApiVersionsResponse()
            let maxVersions = state.withLock { $0.maxVersions }
            let served: [any KafkaRequest.Type] = [
                ApiVersionsRequest.self, MetadataRequest.self, InitProducerIdRequest.self, ProduceRequest.self,
                FetchRequest.self, ListOffsetsRequest.self,
            ]
            response.apiKeys = served.map { type in
                var entry = ApiVersionsResponse.ApiVersion()
                entry.apiKey = type.apiKey.rawValue
                entry.minVersion = type == ProduceRequest.self ? 3 : 0
                let cap: Int16 = type == FetchRequest.self ? 12 : type.versions.upperBound
                entry.maxVersion = min(maxVersions[type.apiKey] ?? cap, cap)
                return entry
            }
            return try respond(response)
        case let metadata as MetadataRequest:
            return try respond(self.metadata(metadata))
        case is InitProducerIdRequest:
            var response = InitProducerIdResponse()
            response.producerID = state.withLock {
                $0.nextProducerID += 1
                return $0.nextProducerID
            }
            response.producerEpoch = 0
            return try respond(response)
        case let produce as ProduceRequest:
            let (response, drop) = try self.produce(produce)
            if drop { return .close }
            if produce.acks == 0 { return .noResponse }
            guard let delay = state.withLock({ $0.produceResponseDelay }) else { return try respond(response) }
            state.withLock {
                $0.heldProduceResponses += 1
                $0.mostHeldProduceResponses = max($0.mostHeldProduceResponses, $0.heldProduceResponses)
            }
            let encoded = try KafkaFraming.encodeResponse(response, version: version, correlationID: id)
            return .respondLater(encoded, delay) { self.state.withLock { $0.heldProduceResponses -= 1 } }
        case let fetch as FetchRequest:
            let response = self.fetch(fetch)
            let empty = response.responses.allSatisfy { $0.partitions.allSatisfy { ($0.records?.readableBytes ?? 0) == 0 } }
            let encoded = try KafkaFraming.encodeResponse(response, version: version, correlationID: id)
            return empty ? .respondLater(encoded, .milliseconds(Int64(min(fetch.maxWaitMs, 50)))) : .respond(encoded)
        case let list as ListOffsetsRequest:
            return try respond(self.listOffsets(list))
        default:
            return .close
        }
    }

    private func metadata(_ request: MetadataRequest) -> MetadataResponse {
        var response = MetadataResponse()
        var broker = MetadataResponse.MetadataResponseBroker()
        broker.nodeID = 1
        broker.host = "127.0.0.1"
        broker.port = Int32(port)
        response.brokers = [broker]
        response.clusterID = "fake-cluster"
        response.controllerID = 1
        state.withLock { state in
            let names = request.topics.map { $0.compactMap(\.name) } ?? state.topics.keys.sorted()
            for name in names {
                if state.topics[name] == nil && request.allowAutoTopicCreation {
                    state.topics[name] = (Uuid(mostSignificantBits: 7, leastSignificantBits: UInt64(state.topics.count)), [PartitionLog()])
                }
                var topic = MetadataResponse.MetadataResponseTopic()
                topic.name = name
                guard let entry = state.topics[name] else {
                    topic.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                    response.topics.append(topic)
                    continue
                }
                topic.topicID = entry.id
                topic.partitions = entry.partitions.indices.map { index in
                    var partition = MetadataResponse.MetadataResponsePartition()
                    partition.partitionIndex = Int32(index)
                    partition.leaderID = 1
                    partition.leaderEpoch = 0
                    partition.replicaNodes = [1]
                    partition.isrNodes = [1]
                    return partition
                }
                response.topics.append(topic)
            }
        }
        return response
    }

    private func produce(_ request: ProduceRequest) throws -> (ProduceResponse, drop: Bool) {
        try state.withLock { state in
            var response = ProduceResponse()
            let fault = state.produceFaults.isEmpty ? nil : state.produceFaults.removeFirst()
            let injected = fault == KafkaErrorCode.none ? nil : fault
            let drop = state.dropNextProduceResponse
            state.dropNextProduceResponse = false
            for topicData in request.topicData {
                var topicResponse = ProduceResponse.TopicProduceResponse()
                topicResponse.name = topicData.name
                for data in topicData.partitionData {
                    var partitionResponse = ProduceResponse.PartitionProduceResponse()
                    partitionResponse.index = data.index
                    let index = Int(data.index)
                    guard let topic = state.topics[topicData.name], topic.partitions.indices.contains(index),
                        var batch = data.records
                    else {
                        partitionResponse.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                        topicResponse.partitionResponses.append(partitionResponse)
                        continue
                    }
                    if let injected {
                        partitionResponse.errorCode = injected.rawValue
                        topicResponse.partitionResponses.append(partitionResponse)
                        continue
                    }
                    let header = try RecordBatchHeader(parsing: batch, at: batch.readerIndex)
                    try header.verifyChecksum(in: batch, at: batch.readerIndex)
                    var log = topic.partitions[index]
                    let last = header.producerId >= 0 ? log.lastSequence[header.producerId] : nil
                    if let last, header.baseSequence <= last {
                        partitionResponse.errorCode = KafkaErrorCode.duplicateSequenceNumber.rawValue
                    } else if header.producerId >= 0, header.baseSequence != (last ?? -1) + 1 {
                        // Kafka's rule: the next batch of a producer starts right after its last sequence.
                        partitionResponse.errorCode = KafkaErrorCode.outOfOrderSequenceNumber.rawValue
                        state.outOfOrderAnswers += 1
                    } else {
                        batch.setInteger(log.logEndOffset, at: batch.readerIndex)
                        partitionResponse.baseOffset = log.logEndOffset
                        log.batches.append(batch)
                        log.logEndOffset += Int64(header.lastOffsetDelta) + 1
                        if header.producerId >= 0 { log.lastSequence[header.producerId] = header.lastSequence }
                        state.topics[topicData.name]?.partitions[index] = log
                    }
                    topicResponse.partitionResponses.append(partitionResponse)
                }
                response.responses.append(topicResponse)
            }
            return (response, drop)
        }
    }

    private func fetch(_ request: FetchRequest) -> FetchResponse {
        state.withLock { state in
            var response = FetchResponse()
            for topic in request.topics {
                var topicResponse = FetchResponse.FetchableTopicResponse()
                topicResponse.topic = topic.topic
                for partition in topic.partitions {
                    var data = FetchResponse.PartitionData()
                    data.partitionIndex = partition.partition
                    guard let log = state.topics[topic.topic]?.partitions[Int(partition.partition)] else {
                        data.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                        topicResponse.partitions.append(data)
                        continue
                    }
                    data.highWatermark = log.logEndOffset
                    data.lastStableOffset = log.logEndOffset
                    data.logStartOffset = 0
                    guard partition.fetchOffset <= log.logEndOffset else {
                        data.errorCode = KafkaErrorCode.offsetOutOfRange.rawValue
                        topicResponse.partitions.append(data)
                        continue
                    }
                    var records = ByteBuffer()
                    for batch in log.batches {
                        guard let header = try? RecordBatchHeader(parsing: batch, at: batch.readerIndex),
                            header.lastOffset >= partition.fetchOffset
                        else { continue }
                        if records.readableBytes > 0 && records.readableBytes + batch.readableBytes > partition.partitionMaxBytes { break }
                        var copy = batch
                        records.writeBuffer(&copy)
                    }
                    data.records = records
                    topicResponse.partitions.append(data)
                }
                response.responses.append(topicResponse)
            }
            return response
        }
    }

    private func listOffsets(_ request: ListOffsetsRequest) -> ListOffsetsResponse {
        state.withLock { state in
            var response = ListOffsetsResponse()
            for topic in request.topics {
                var topicResponse = ListOffsetsResponse.ListOffsetsTopicResponse()
                topicResponse.name = topic.name
                for partition in topic.partitions {
                    var entry = ListOffsetsResponse.ListOffsetsPartitionResponse()
                    entry.partitionIndex = partition.partitionIndex
                    guard let log = state.topics[topic.name]?.partitions[Int(partition.partitionIndex)] else {
                        entry.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                        topicResponse.partitions.append(entry)
                        continue
                    }
                    switch partition.timestamp {
                    case -2: entry.offset = 0
                    case -1: entry.offset = log.logEndOffset
                    default:
                        entry.offset = log.batches.compactMap { try? RecordBatchHeader(parsing: $0, at: $0.readerIndex) }
                            .first { $0.maxTimestamp >= partition.timestamp }?.baseOffset ?? -1
                    }
                    topicResponse.partitions.append(entry)
                }
                response.topics.append(topicResponse)
            }
            return response
        }
    }
}

/// Decodes each frame, lets the broker answer, and writes the answer (or closes) on the loop.
private final class FakeBrokerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let broker: FakeBroker.Box

    init(broker: FakeBroker.Box) {
        self.broker = broker
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let broker = broker.broker.withLock({ $0 }) else { return context.close(promise: nil) }
        do {
            switch try broker.handle(unwrapInboundIn(data)) {
            case .respond(let frame):
                context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
            case .respondLater(let frame, let delay, let sent):
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: delay) {
                    loopBound.value.writeAndFlush(NIOAny(frame), promise: nil)
                    sent?()
                }
            case .noResponse:
                break
            case .close:
                context.close(promise: nil)
            }
        } catch {
            context.close(promise: nil)
        }
    }
}
