import Foundation
import NIOCore
import PetrelProtocol
import Testing

@testable import PetrelBroker

/// The broker on a loopback port, driven with the generated request types.
@Suite struct BrokerAPITests {
    /// One batch of `values` stamped now (an old timestamp would roll a segment per append by `segment.ms`).
    private func batch(_ values: [String], timestamp: Int64 = WallClock.nowMilliseconds()) throws -> ByteBuffer {
        var builder = RecordBatchBuilder()
        for value in values {
            builder.append(key: nil, value: ByteBuffer(string: value), timestamp: timestamp)
        }
        return try builder.build()
    }

    private func createTopic(
        _ client: TestClient, _ name: String, partitions: Int32 = 1, configs: [String: String] = [:],
        validateOnly: Bool = false
    ) async throws -> CreateTopicsResponse.CreatableTopicResult {
        var request = CreateTopicsRequest()
        var topic = CreateTopicsRequest.CreatableTopic()
        topic.name = name
        topic.numPartitions = partitions
        topic.replicationFactor = -1
        topic.configs = configs.map { name, value in
            var config = CreateTopicsRequest.CreatableTopicConfig()
            config.name = name
            config.value = value
            return config
        }
        request.topics = [topic]
        request.validateOnly = validateOnly
        return try await client.roundTrip(request, version: 7).topics[0]
    }

    private func produce(
        _ client: TestClient, _ topic: String, _ records: ByteBuffer, acks: Int16 = -1
    ) async throws -> ProduceResponse.PartitionProduceResponse {
        var request = ProduceRequest()
        request.acks = acks
        request.timeoutMs = 30_000
        var data = ProduceRequest.TopicProduceData()
        data.name = topic
        var partition = ProduceRequest.PartitionProduceData()
        partition.index = 0
        partition.records = records
        data.partitionData = [partition]
        request.topicData = [data]
        return try await client.roundTrip(request, version: 9).responses[0].partitionResponses[0]
    }

    private func fetch(
        _ client: TestClient, _ topic: String, offset: Int64, maxWaitMs: Int32 = 0, minBytes: Int32 = 0,
        version: Int16 = 12
    ) async throws -> FetchResponse.PartitionData {
        var request = FetchRequest()
        request.maxWaitMs = maxWaitMs
        request.minBytes = minBytes
        var fetchTopic = FetchRequest.FetchTopic()
        fetchTopic.topic = topic
        var partition = FetchRequest.FetchPartition()
        partition.fetchOffset = offset
        partition.partitionMaxBytes = 1 << 20
        fetchTopic.partitions = [partition]
        request.topics = [fetchTopic]
        return try await client.roundTrip(request, version: version).responses[0].partitions[0]
    }

    private func values(in records: ByteBuffer?) throws -> [String] {
        guard let records else { return [] }
        var result: [String] = []
        var batches = RecordBatchIterator(records)
        while let (_, bytes) = try batches.next() {
            var iterator = try RecordBatch(bytes).records(maxDecompressedBytes: 1 << 20)
            while let record = try iterator.next() {
                result.append(record.value.map { String(buffer: $0) } ?? "")
            }
        }
        return result
    }

    @Test func apiVersionsAdvertisesExactlyTheServedRanges() async throws {
        let broker = try await TestBroker.start()
        let response = try await broker.withClient { try await $0.roundTrip(ApiVersionsRequest(), version: 3) }
        await broker.stop()
        let keys = response.apiKeys.map { ApiKey($0.apiKey) }
        #expect(response.errorCode == 0)
        #expect(keys.contains(.produce) && keys.contains(.fetch) && keys.contains(.apiVersions))
        #expect(keys.contains(.joinGroup) && keys.contains(.findCoordinator) && keys.contains(.offsetDelete))
        #expect(!keys.contains(.addPartitionsToTxn))
        let fetch = try #require(response.apiKeys.first { $0.apiKey == ApiKey.fetch.rawValue })
        #expect((fetch.minVersion, fetch.maxVersion) == (4, 17))
    }

    @Test func apiVersionsAtAnUnknownVersionAnswersV0WithUnsupportedVersion() async throws {
        let broker = try await TestBroker.start()
        let response = try await broker.withClient { client in
            var header = RequestHeader()
            header.requestApiKey = ApiKey.apiVersions.rawValue
            header.requestApiVersion = 99
            header.correlationID = 7
            var writer = KafkaWriter()
            writer.writeInt32(0)
            try header.encode(into: &writer, version: 2)
            writer.writeUnsignedVarint(1)  // empty tagged fields of an unknown body
            var frame = writer.buffer
            frame.setInteger(Int32(frame.readableBytes - 4), at: 0)
            try await client.sendRaw(frame)
            return try await client.receive(ApiVersionsResponse.self, version: 0)
        }
        await broker.stop()
        #expect(response.correlationID == 7)
        #expect(response.response.errorCode == KafkaErrorCode.unsupportedVersion.rawValue)
        #expect(!response.response.apiKeys.isEmpty)
    }

    @Test func anUnsupportedVersionOfAnotherAPIClosesTheConnection() async throws {
        let broker = try await TestBroker.start()
        let next = try await broker.withClient { client in
            try await client.send(ProduceRequest(), version: 2)
            return try await client.nextRawFrame()
        }
        await broker.stop()
        #expect(next == nil)
    }

    @Test func produceThenFetchReturnsTheBatchesWithAssignedOffsets() async throws {
        let broker = try await TestBroker.start()
        let (created, first, second, fetched, listed) = try await broker.withClient { client in
            let created = try await createTopic(client, "events")
            let first = try await produce(client, "events", try batch(["a", "b", "c"]))
            let second = try await produce(client, "events", try batch(["d"]))
            let fetched = try await fetch(client, "events", offset: 0)
            var list = ListOffsetsRequest()
            var topic = ListOffsetsRequest.ListOffsetsTopic()
            topic.name = "events"
            var latest = ListOffsetsRequest.ListOffsetsPartition()
            latest.timestamp = -1
            topic.partitions = [latest]
            list.topics = [topic]
            let listed = try await client.roundTrip(list, version: 7).topics[0].partitions[0]
            return (created, first, second, fetched, listed)
        }
        await broker.stop()
        #expect(created.errorCode == 0)
        #expect(created.numPartitions == 1)
        #expect((first.errorCode, first.baseOffset) == (0, 0))
        #expect((second.errorCode, second.baseOffset) == (0, 3))
        #expect(fetched.highWatermark == 4)
        #expect(try values(in: fetched.records) == ["a", "b", "c", "d"])
        #expect(listed.offset == 4)
    }

    @Test func describeProducersListsIdempotentProducersAndSurvivesARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "petrel-test-\(UUID().uuidString)").path
        var request = DescribeProducersRequest()
        var topic = DescribeProducersRequest.TopicRequest()
        topic.name = "idempotent"
        topic.partitionIndexes = [0, 7]
        request.topics = [topic]

        let broker = try await TestBroker.start(directory: directory)
        let produced = try await broker.withClient { client in
            _ = try await createTopic(client, "idempotent")
            var builder = RecordBatchBuilder(producerId: 4_242, producerEpoch: 3, baseSequence: 0)
            for value in ["a", "b", "c"] {
                builder.append(key: nil, value: ByteBuffer(string: value), timestamp: WallClock.nowMilliseconds())
            }
            return try await produce(client, "idempotent", try builder.build())
        }
        await broker.stop(removingData: false)
        #expect(produced.errorCode == 0)

        let restarted = try await TestBroker.start(directory: directory)
        let described = try await restarted.withClient { try await $0.roundTrip(request, version: 0) }
        await restarted.stop()
        let partitions = described.topics[0].partitions
        #expect(partitions.map(\.partitionIndex) == [0, 7])
        #expect(partitions[0].errorCode == 0)
        #expect(partitions[0].activeProducers.map { [$0.producerID, Int64($0.producerEpoch), Int64($0.lastSequence)] } == [[4_242, 3, 2]])
        #expect(partitions[1].errorCode == KafkaErrorCode.unknownTopicOrPartition.rawValue)
    }

    @Test func aLongPollFetchIsWokenByAnAppend() async throws {
        let broker = try await TestBroker.start()
        let fetched = try await broker.withClient { client in
            _ = try await createTopic(client, "wake")
            return try await broker.withClient { producer in
                // The fetch parks (nothing at offset 0); the produce on the other connection wakes it.
                var request = FetchRequest()
                request.maxWaitMs = 60_000
                request.minBytes = 1
                var topic = FetchRequest.FetchTopic()
                topic.topic = "wake"
                var partition = FetchRequest.FetchPartition()
                partition.partitionMaxBytes = 1 << 20
                topic.partitions = [partition]
                request.topics = [topic]
                try await client.send(request, version: 12)
                _ = try await produce(producer, "wake", try batch(["late"]))
                return try await client.receive(FetchResponse.self, version: 12).response.responses[0].partitions[0]
            }
        }
        await broker.stop()
        #expect(try values(in: fetched.records) == ["late"])
    }

    @Test func corruptAndOversizedBatchesAreRejected() async throws {
        let broker = try await TestBroker.start()
        let (corrupt, oversized, unknown) = try await broker.withClient { client in
            _ = try await createTopic(client, "strict", configs: ["max.message.bytes": "200"])
            var bad = try batch(["x"])
            bad.setInteger(bad.getInteger(at: bad.writerIndex - 1, as: UInt8.self)! ^ 0xFF, at: bad.writerIndex - 1)
            let corrupt = try await produce(client, "strict", bad)
            let oversized = try await produce(client, "strict", try batch([String(repeating: "y", count: 500)]))
            let unknown = try await produce(client, "missing-topic", try batch(["z"]))
            return (corrupt, oversized, unknown)
        }
        await broker.stop()
        #expect(corrupt.errorCode == KafkaErrorCode.corruptMessage.rawValue)
        #expect(oversized.errorCode == KafkaErrorCode.messageTooLarge.rawValue)
        #expect(unknown.errorCode == KafkaErrorCode.unknownTopicOrPartition.rawValue)
    }

    @Test func createTopicsValidatesConfigsAndHonoursValidateOnly() async throws {
        let broker = try await TestBroker.start()
        let (invalid, validated, metadata) = try await broker.withClient { client in
            let invalid = try await createTopic(client, "bad-config", configs: ["retention.ms": "soon"])
            let validated = try await createTopic(client, "only-validated", partitions: 4, validateOnly: true)
            var request = MetadataRequest()
            request.allowAutoTopicCreation = false
            var topic = MetadataRequest.MetadataRequestTopic()
            topic.name = "only-validated"
            request.topics = [topic]
            let metadata = try await client.roundTrip(request, version: 12)
            return (invalid, validated, metadata)
        }
        await broker.stop()
        #expect(invalid.errorCode == KafkaErrorCode.invalidConfig.rawValue)
        #expect(invalid.errorMessage?.contains("retention.ms") == true)
        #expect(validated.errorCode == 0)
        #expect(validated.numPartitions == 4)
        #expect(metadata.topics[0].errorCode == KafkaErrorCode.unknownTopicOrPartition.rawValue)
    }

    @Test func describeConfigsReportsSourcesAndSynonyms() async throws {
        let broker = try await TestBroker.start(overrides: ["log.retention.hours=48"])
        let result = try await broker.withClient { client in
            _ = try await createTopic(client, "described", configs: ["segment.bytes": "123456"])
            var request = DescribeConfigsRequest()
            var resource = DescribeConfigsRequest.DescribeConfigsResource()
            resource.resourceType = 2
            resource.resourceName = "described"
            resource.configurationKeys = nil
            request.resources = [resource]
            request.includeSynonyms = true
            return try await client.roundTrip(request, version: 4).results[0]
        }
        await broker.stop()
        let byName = Dictionary(uniqueKeysWithValues: result.configs.map { ($0.name, $0) })
        let segment = try #require(byName["segment.bytes"])
        #expect(segment.value == "123456")
        #expect(segment.configSource == ConfigSource.dynamicTopicConfig.rawValue)
        #expect(segment.synonyms.map(\.name) == ["segment.bytes", "log.segment.bytes"])
        let retention = try #require(byName["retention.ms"])
        #expect(retention.value == String(48 * 3_600_000))
        #expect(retention.configSource == ConfigSource.staticBrokerConfig.rawValue)
    }

    /// The topic's overrides (configs whose source is the dynamic topic config), by name.
    private func topicOverrides(_ client: TestClient, _ topic: String) async throws -> [String: String] {
        var request = DescribeConfigsRequest()
        var resource = DescribeConfigsRequest.DescribeConfigsResource()
        resource.resourceType = 2
        resource.resourceName = topic
        resource.configurationKeys = nil
        request.resources = [resource]
        let configs = try await client.roundTrip(request, version: 4).results[0].configs
        return Dictionary(uniqueKeysWithValues: configs.filter { $0.configSource == ConfigSource.dynamicTopicConfig.rawValue }
            .map { ($0.name, $0.value ?? "") })
    }

    @Test func alterConfigsReplacesOverridesAndReportsEachResourcesError() async throws {
        let broker = try await TestBroker.start()
        let (results, validatedOnly, overrides) = try await broker.withClient { client in
            _ = try await createTopic(client, "altered", configs: ["retention.ms": "1000", "segment.bytes": "123456"])
            func resource(_ type: Int8, _ name: String, _ configs: [String: String]) -> AlterConfigsRequest.AlterConfigsResource {
                var resource = AlterConfigsRequest.AlterConfigsResource()
                resource.resourceType = type
                resource.resourceName = name
                resource.configs = configs.map { name, value in
                    var config = AlterConfigsRequest.AlterableConfig()
                    config.name = name
                    config.value = value
                    return config
                }
                return resource
            }
            var request = AlterConfigsRequest()
            request.validateOnly = true
            request.resources = [resource(2, "altered", ["segment.bytes": "999999"])]
            let validatedOnly = try await client.roundTrip(request, version: 2).responses
            request.validateOnly = false
            request.resources = [
                resource(2, "altered", ["cleanup.policy": "compact"]), resource(2, "missing", [:]),
                resource(4, "0", ["log.retention.ms": "1"]), resource(99, "x", [:]),
                resource(2, "altered", ["retention.ms": "soon"]),
            ]
            let results = try await client.roundTrip(request, version: 2).responses
            return (results, validatedOnly, try await topicOverrides(client, "altered"))
        }
        await broker.stop()
        #expect(validatedOnly.map(\.errorCode) == [0])
        #expect(results.map(\.resourceName) == ["altered", "missing", "0", "x", "altered"])
        #expect(results.map(\.resourceType) == [2, 2, 4, 99, 2])
        #expect(
            results.map(\.errorCode) == [
                0, KafkaErrorCode.unknownTopicOrPartition.rawValue, KafkaErrorCode.invalidRequest.rawValue,
                KafkaErrorCode.invalidRequest.rawValue, KafkaErrorCode.invalidConfig.rawValue,
            ])
        #expect(results[0].errorMessage == nil)
        #expect(results[4].errorMessage?.contains("retention.ms") == true)
        #expect(overrides == ["cleanup.policy": "compact"])  // the keys not given returned to their defaults
    }

    @Test func incrementalAlterConfigsAppliesOperationsToCurrentOverrides() async throws {
        let broker = try await TestBroker.start()
        let (results, overrides) = try await broker.withClient { client in
            _ = try await createTopic(client, "incremental", configs: ["retention.ms": "1000", "segment.bytes": "123456"])
            func resource(
                _ type: Int8, _ name: String, _ configs: [(String, Int8, String?)]
            ) -> IncrementalAlterConfigsRequest.AlterConfigsResource {
                var resource = IncrementalAlterConfigsRequest.AlterConfigsResource()
                resource.resourceType = type
                resource.resourceName = name
                resource.configs = configs.map { name, operation, value in
                    var config = IncrementalAlterConfigsRequest.AlterableConfig()
                    config.name = name
                    config.configOperation = operation
                    config.value = value
                    return config
                }
                return resource
            }
            var request = IncrementalAlterConfigsRequest()
            request.resources = [
                resource(2, "incremental", [("segment.bytes", 1, nil), ("cleanup.policy", 2, "compact")]),
                resource(2, "incremental", [("retention.ms", 7, "1")]),
                resource(2, "incremental", [("retention.ms", 2, "1")]),
                resource(2, "missing", [("retention.ms", 0, "1")]),
            ]
            let results = try await client.roundTrip(request, version: 1).responses
            return (results, try await topicOverrides(client, "incremental"))
        }
        await broker.stop()
        #expect(
            results.map(\.errorCode) == [
                0, KafkaErrorCode.invalidRequest.rawValue, KafkaErrorCode.invalidConfig.rawValue,
                KafkaErrorCode.unknownTopicOrPartition.rawValue,
            ])
        #expect(results.map(\.resourceName) == ["incremental", "incremental", "incremental", "missing"])
        // SET/DELETE/APPEND applied to the current overrides; the default `delete` policy was appended to.
        #expect(overrides == ["retention.ms": "1000", "cleanup.policy": "delete,compact"])
    }

    @Test func topicsAndDataSurviveARestart() async throws {
        let first = try await TestBroker.start()
        _ = try await first.withClient { client in
            _ = try await createTopic(client, "kept", partitions: 2, configs: ["cleanup.policy": "delete"])
            return try await produce(client, "kept", try batch(["one", "two"]))
        }
        await first.stop(removingData: false)
        let second = try await TestBroker.start(directory: first.directory)
        let (metadata, fetched) = try await second.withClient { client in
            var request = MetadataRequest()
            request.topics = nil
            let metadata = try await client.roundTrip(request, version: 12)
            return (metadata, try await fetch(client, "kept", offset: 0))
        }
        await second.stop()
        #expect(metadata.clusterID == first.broker.clusterID)
        let topics = metadata.topics.filter { !$0.isInternal }  // __consumer_offsets is always there
        #expect(topics.map(\.name) == ["kept"])
        #expect(topics.first?.partitions.count == 2)
        #expect(try values(in: fetched.records) == ["one", "two"])
    }

    @Test func idleConnectionsAreClosed() async throws {
        let broker = try await TestBroker.start(overrides: ["connections.max.idle.ms=200"])
        let next = try await broker.withClient { try await $0.nextRawFrame() }
        await broker.stop()
        #expect(next == nil)
    }

    @Test func anOversizedOrGarbageFrameClosesTheConnection() async throws {
        let broker = try await TestBroker.start(overrides: ["socket.request.max.bytes=1000"])
        let afterOversized = try await broker.withClient { client in
            var frame = ByteBuffer()
            frame.writeInteger(Int32(5000))
            frame.writeRepeatingByte(0, count: 64)
            try await client.sendRaw(frame)
            return try await client.nextRawFrame()
        }
        let afterGarbage = try await broker.withClient { client in
            var frame = ByteBuffer()
            frame.writeInteger(Int32(3))
            frame.writeBytes([0xFF, 0xFF, 0xFF])
            try await client.sendRaw(frame)
            return try await client.nextRawFrame()
        }
        await broker.stop()
        #expect(afterOversized == nil)
        #expect(afterGarbage == nil)
    }

    /// Records of `FetchHandler.copyBelowBytes` or more are spliced in as file regions; both length
    /// encodings (int32 before v12, compact after) must frame them correctly, with several partitions
    /// in one response.
    @Test(arguments: [Int16(4), 11, 12, 13, 16])
    func fetchedRecordsAreFramedAtEveryVersion(version: Int16) async throws {
        let broker = try await TestBroker.start()
        let large = String(repeating: "p", count: FetchHandler.copyBelowBytes)
        let fetched = try await broker.withClient { client in
            _ = try await createTopic(client, "spliced-\(version)")
            _ = try await produce(client, "spliced-\(version)", try batch([large, "q"]))
            var request = FetchRequest()
            var topic = FetchRequest.FetchTopic()
            topic.topic = "spliced-\(version)"
            var metadata = MetadataRequest()
            var wanted = MetadataRequest.MetadataRequestTopic()
            wanted.name = "spliced-\(version)"
            metadata.topics = [wanted]
            topic.topicID = try await client.roundTrip(metadata, version: 12).topics[0].topicID
            var first = FetchRequest.FetchPartition()
            first.partitionMaxBytes = 1 << 20
            var again = first
            again.fetchOffset = 1
            topic.partitions = [first, again]
            request.topics = [topic]
            return try await client.roundTrip(request, version: version).responses[0].partitions
        }
        await broker.stop()
        #expect(try fetched.map { try values(in: $0.records) } == [[large, "q"], [large, "q"]])
    }
}
