import Foundation
import NIOCore
import PetrelProtocol
import Testing

/// Golden frames from kcat (librdkafka 2.0.2) and confluent-kafka 2.16.1 (librdkafka 2.16) talking to
/// a Petrel broker (see `GoldenExchange`). Every request and response decodes with the generated
/// types at its captured version, uses its whole frame, re-encodes to exactly the captured bytes,
/// and carries what the client was made to send: topics, group, codec, records.
@Suite struct GoldenFrameTests {
    /// The APIs a capture must include, and the codecs its Produce frames must cover.
    static let requiredApis: Set<String> = [
        "ApiVersions", "Metadata", "Produce", "Fetch", "ListOffsets", "FindCoordinator", "JoinGroup", "SyncGroup",
        "Heartbeat", "OffsetCommit", "OffsetFetch", "LeaveGroup", "InitProducerId", "CreateTopics", "DescribeConfigs",
    ]

    @Test func manifestCoversEveryMajorApiAndCodec() throws {
        let exchanges = try GoldenExchange.load()
        #expect(Set(exchanges.map(\.api)).isSuperset(of: Self.requiredApis))
        let codecs = Set(exchanges.filter { $0.api == "Produce" }.compactMap(\.sent.codec))
        #expect(codecs == Set(CompressionCodec.allCases.map { "\($0)" }))
        // Both client generations, at the versions where they differ.
        for api in ["Produce", "Fetch", "Metadata", "ListOffsets", "OffsetCommit", "OffsetFetch"] {
            #expect(Set(exchanges.filter { $0.api == api }.map(\.client)) == ["kcat", "confluent"], "\(api)")
        }
    }

    @Test(arguments: GoldenExchange.all)
    func requestDecodesToWhatTheClientSentAndReencodes(_ exchange: GoldenExchange) throws {
        let (header, body, _) = try exchange.decodeRequest()
        #expect(header.requestApiKey == exchange.keyNumber)
        #expect(header.requestApiVersion == exchange.version)
        #expect(header.clientID == "rdkafka")
        try Self.checkRequest(body, exchange)
        let reencoded = try KafkaFraming.encodeRequest(
            body, version: header.requestApiVersion, correlationID: header.correlationID, clientID: header.clientID)
        let captured = try exchange.requestFrame()
        #expect(Self.dropSizePrefix(reencoded) == captured)
    }

    @Test(arguments: GoldenExchange.all)
    func responseDecodesAndReencodes(_ exchange: GoldenExchange) throws {
        let (requestHeader, request, _) = try exchange.decodeRequest()
        let (header, body, _) = try exchange.decodeResponse()
        #expect(header.correlationID == requestHeader.correlationID)
        try Self.checkResponse(body, to: request, exchange)
        let reencoded = try KafkaFraming.encodeResponse(
            body, version: exchange.version, correlationID: header.correlationID)
        let captured = try exchange.responseFrame()
        #expect(Self.dropSizePrefix(reencoded) == captured)
    }

    /// The fuzzer starts from every captured request.
    @Test func everyRequestFrameSeedsTheFuzzer() throws {
        for exchange in try GoldenExchange.load() {
            let name = "golden-" + exchange.request.replacingOccurrences(of: "-request.bin", with: ".bin")
            let seed = try? Data(contentsOf: GoldenExchange.fuzzCorpus.appendingPathComponent(name))
            let captured = try exchange.requestFrame()
            #expect(seed.map { ByteBuffer(bytes: $0) } == captured, "\(name)")
        }
    }

    /// A group member uses the member id and generation Petrel's JoinGroup answer gave it, from
    /// SyncGroup to LeaveGroup.
    @Test func groupRequestsUseTheMemberIdPetrelAssigned() throws {
        let exchanges = try GoldenExchange.load()
        let joins = exchanges.filter { $0.api == "JoinGroup" }
        #expect(!joins.isEmpty)
        for join in joins {
            let joined = try #require(try join.decodeResponse().body as? JoinGroupResponse)
            #expect(!joined.memberID.isEmpty)
            let joinRequest = try join.decodeRequest().body
            #expect((joinRequest as? JoinGroupRequest)?.memberID == joined.memberID)
            for other in exchanges where other.client == join.client && other.scenario == join.scenario {
                switch try other.decodeRequest().body {
                case let request as SyncGroupRequest:
                    #expect(request.memberID == joined.memberID && request.generationID == joined.generationID)
                case let request as HeartbeatRequest:
                    #expect(request.memberID == joined.memberID && request.generationID == joined.generationID)
                case let request as OffsetCommitRequest:
                    #expect(request.memberID == joined.memberID)
                    #expect(request.generationIDOrMemberEpoch == joined.generationID)
                case let request as LeaveGroupRequest:
                    // v0-2 name the member; v3+ list the members leaving.
                    let leaving = [request.memberID] + request.members.map(\.memberID)
                    #expect(leaving.filter { !$0.isEmpty } == [joined.memberID])
                default: break
                }
            }
        }
    }

    /// The idempotent producer stamps its batches with the producer id InitProducerId returned.
    @Test func idempotentBatchCarriesTheGrantedProducerId() throws {
        let exchanges = try GoldenExchange.load()
        let initProducerID = try #require(exchanges.first { $0.api == "InitProducerId" })
        let granted = try #require(try initProducerID.decodeResponse().body as? InitProducerIdResponse)
        let produce = try #require(exchanges.first {
            $0.api == "Produce" && $0.variant == "idempotent" && $0.client == initProducerID.client
        })
        let request = try #require(try produce.decodeRequest().body as? ProduceRequest)
        let batch = try RecordBatch(try #require(request.topicData.first?.partitionData.first?.records))
        #expect(batch.header.producerId == granted.producerID)
        #expect(batch.header.producerEpoch == granted.producerEpoch)
        #expect(batch.header.baseSequence == 0)
    }

    /// Fetch from version 13 names topics by id: the id Petrel's Metadata answer gave that client.
    @Test func fetchByTopicIdUsesTheIdFromMetadata() throws {
        let exchanges = try GoldenExchange.load()
        let fetches = exchanges.filter { $0.api == "Fetch" && $0.version >= 13 }
        #expect(!fetches.isEmpty)
        for fetch in fetches {
            let request = try #require(try fetch.decodeRequest().body as? FetchRequest)
            let metadata = exchanges.filter { $0.api == "Metadata" && $0.client == fetch.client }
            let ids = try metadata.flatMap { exchange in
                (try exchange.decodeResponse().body as? MetadataResponse)?.topics
                    .filter { $0.name == fetch.sent.topic }.map(\.topicID) ?? []
            }
            #expect(ids.count == 1 && request.topics.map(\.topicID) == ids)
            #expect(ids.first.map { $0 != Uuid.zero } == true)
        }
    }

    // MARK: - Per-API checks

    static func checkRequest(_ body: any KafkaRequest, _ exchange: GoldenExchange) throws {
        let sent = exchange.sent
        let topic = sent.topic ?? "(no topic in the manifest)"
        let group = sent.group ?? "(no group in the manifest)"
        switch body {
        case let request as ApiVersionsRequest:
            #expect(!request.clientSoftwareName.isEmpty)
            #expect(request.clientSoftwareVersion.contains(exchange.librdkafka))
        case let request as MetadataRequest:
            #expect(request.topics?.map(\.name) == [sent.topic])
        case let request as ProduceRequest:
            #expect(request.acks == -1)
            #expect(request.transactionalID == nil)
            #expect(request.topicData.map(\.name) == [topic])
            let records = try #require(request.topicData.first?.partitionData.first?.records)
            try checkBatch(records, sent: sent)
            let batch = try RecordBatch(records)
            #expect(batch.header.isIdempotent == (sent.idempotent == true))
        case let request as FetchRequest:
            let fetched = try #require(request.topics.first)
            if exchange.version < 13 { #expect(fetched.topic == topic) }
            #expect(fetched.partitions.map(\.partition) == [0])
            #expect(fetched.partitions.first?.fetchOffset == 0)
        case let request as ListOffsetsRequest:
            #expect(request.topics.map(\.name) == [topic])
            #expect(request.topics.first?.partitions.map(\.timestamp) == [-2])  // earliest
        case let request as FindCoordinatorRequest:
            #expect(request.key == group)
            #expect(request.keyType == 0)
        case let request as JoinGroupRequest:
            #expect(request.groupID == group)
            #expect(request.protocolType == "consumer")
            #expect(!request.protocols.isEmpty)
            for joinProtocol in request.protocols {
                let subscription = try consumerProtocol(ConsumerProtocolSubscription.self, joinProtocol.metadata)
                #expect(subscription.topics == [topic], "\(joinProtocol.name)")
            }
        case let request as SyncGroupRequest:
            #expect(request.groupID == group)
            // The only member leads the group and assigns itself the partition.
            #expect(request.assignments.map(\.memberID) == [request.memberID])
            let assignment = try consumerProtocol(
                ConsumerProtocolAssignment.self, try #require(request.assignments.first?.assignment))
            #expect(assignment.assignedPartitions.map(\.topic) == [topic])
            #expect(assignment.assignedPartitions.first?.partitions == [0])
        case let request as HeartbeatRequest:
            #expect(request.groupID == group)
        case let request as OffsetCommitRequest:
            #expect(request.groupID == group)
            #expect(request.topics.map(\.name) == [topic])
            // Everything produced was consumed.
            #expect(request.topics.first?.partitions.map(\.committedOffset) == [Int64(sent.records?.count ?? -1)])
        case let request as OffsetFetchRequest:
            if exchange.version < 8 {
                #expect(request.groupID == group)
                #expect(request.topics?.map(\.name) == [topic])
            } else {
                #expect(request.groups.map(\.groupID) == [group])
                #expect(request.groups.first?.topics?.map(\.name) == [topic])
            }
        case let request as LeaveGroupRequest:
            #expect(request.groupID == group)
        case let request as InitProducerIdRequest:
            #expect(request.transactionalID == nil)
            #expect(request.producerID == -1)
        case let request as CreateTopicsRequest:
            #expect(request.topics.map(\.name) == sent.topics)
            for created in request.topics {
                #expect(created.numPartitions == 1 && created.replicationFactor == 1)
                let configs = Dictionary(uniqueKeysWithValues: created.configs.map { ($0.name, $0.value ?? "") })
                #expect(configs == sent.config)
            }
        case let request as DescribeConfigsRequest:
            #expect(request.resources.map(\.resourceName) == [topic])
            #expect(request.resources.first?.resourceType == 2)  // TOPIC
        default:
            Issue.record("no checks for \(type(of: body))")
        }
    }

    static func checkResponse(
        _ body: any KafkaResponse, to request: any KafkaRequest, _ exchange: GoldenExchange
    ) throws {
        let sent = exchange.sent
        let topic = sent.topic ?? "(no topic in the manifest)"
        let group = sent.group ?? "(no group in the manifest)"
        switch body {
        case let response as ApiVersionsResponse:
            #expect(response.errorCode == 0)
            // Petrel advertises every captured API at its captured version.
            for other in try GoldenExchange.load() {
                let range = response.apiKeys.first { $0.apiKey == other.keyNumber }
                let advertised = range.map { ($0.minVersion...$0.maxVersion).contains(other.version) }
                #expect(advertised == true, "\(other.testDescription)")
            }
        case let response as MetadataResponse:
            #expect(response.brokers.count == 1)
            let topicResponse = try #require(response.topics.first)
            #expect(response.topics.count == 1 && topicResponse.name == topic && topicResponse.errorCode == 0)
            #expect(topicResponse.partitions.map(\.leaderID) == response.brokers.map(\.nodeID))
        case let response as ProduceResponse:
            #expect(response.responses.map(\.name) == [topic])
            let partition = try #require(response.responses.first?.partitionResponses.first)
            #expect(partition.errorCode == 0)
            #expect(partition.baseOffset == 0)  // the first batch of a new topic
        case let response as FetchResponse:
            #expect(response.errorCode == 0)
            let partition = try #require(response.responses.first?.partitions.first)
            #expect(partition.errorCode == 0)
            let produced = Int64(try #require(sent.records).count)
            #expect(partition.highWatermark == produced)
            try checkBatch(try #require(partition.records), sent: sent)
        case let response as ListOffsetsResponse:
            #expect(response.topics.map(\.name) == [topic])
            let partition = try #require(response.topics.first?.partitions.first)
            #expect(partition.errorCode == 0 && partition.offset == 0)
        case let response as FindCoordinatorResponse:
            #expect(response.errorCode == 0)
            #expect(response.host == "127.0.0.1" && response.port > 0)
        case let response as JoinGroupResponse:
            #expect(response.errorCode == 0)
            #expect(response.generationID >= 1)
            #expect(response.leader == response.memberID)
            #expect(response.members.map(\.memberID) == [response.memberID])
            let offered = (request as? JoinGroupRequest)?.protocols.map(\.name) ?? []
            #expect(offered.contains(try #require(response.protocolName)))
        case let response as SyncGroupResponse:
            #expect(response.errorCode == 0)
            #expect(response.assignment == (request as? SyncGroupRequest)?.assignments.first?.assignment)
        case let response as HeartbeatResponse:
            #expect(response.errorCode == 0)
        case let response as LeaveGroupResponse:
            #expect(response.errorCode == 0)
        case let response as OffsetCommitResponse:
            #expect(response.topics.map(\.name) == [topic])
            #expect(response.topics.flatMap(\.partitions).map(\.errorCode) == [0])
        case let response as OffsetFetchResponse:
            if exchange.version < 8 {
                #expect(response.errorCode == 0)
                #expect(response.topics.map(\.name) == [topic])
                #expect(response.topics.flatMap(\.partitions).map(\.errorCode) == [0])
            } else {
                #expect(response.groups.map(\.groupID) == [group])
                #expect(response.groups.first?.errorCode == 0)
                #expect(response.groups.first?.topics.map(\.name) == [topic])
            }
        case let response as InitProducerIdResponse:
            #expect(response.errorCode == 0)
            #expect(response.producerID >= 0 && response.producerEpoch >= 0)
        case let response as CreateTopicsResponse:
            #expect(response.topics.map(\.name) == sent.topics)
            #expect(response.topics.allSatisfy { $0.errorCode == 0 })
        case let response as DescribeConfigsResponse:
            let result = try #require(response.results.first)
            #expect(response.results.count == 1 && result.errorCode == 0 && result.resourceName == topic)
            // What CreateTopics set comes back, as a topic (not default) config.
            for (name, value) in try #require(sent.config) {
                let config = try #require(result.configs.first { $0.name == name }, "\(name)")
                #expect(config.value == value)
                #expect(config.configSource == 1)  // DYNAMIC_TOPIC_CONFIG
            }
        default:
            Issue.record("no checks for \(type(of: body))")
        }
    }

    /// A single intact batch with the codec the client was told to use, whose records decompress
    /// (through `CompressionCodec`) to exactly the keys and values produced.
    static func checkBatch(_ records: ByteBuffer, sent: GoldenExchange.Sent) throws {
        let batch = try RecordBatch(records)
        #expect(batch.bytes.readableBytes == records.readableBytes)
        #expect(batch.header.magic == 2)
        try batch.verifyChecksum()
        #expect(batch.compression.map { "\($0)" } == sent.codec)
        var iterator = try batch.records(maxDecompressedBytes: 1 << 20)
        let decoded = try iterator.collect().map { record in
            [record.key.map { String(buffer: $0) } ?? "", record.value.map { String(buffer: $0) } ?? ""]
        }
        #expect(decoded == sent.records)
    }

    /// A consumer-protocol blob: a version, then the message at that version.
    static func consumerProtocol<Message: KafkaMessage>(_: Message.Type, _ bytes: [UInt8]) throws -> Message {
        var reader = KafkaReader(buffer: ByteBuffer(bytes: bytes))
        let version = try reader.readInt16("Version")
        return try Message(from: &reader, version: version)
    }

    static func dropSizePrefix(_ frame: ByteBuffer) -> ByteBuffer {
        var body = frame
        body.moveReaderIndex(forwardBy: 4)
        return body
    }
}
