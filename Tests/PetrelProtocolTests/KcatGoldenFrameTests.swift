import NIOCore
import PetrelProtocol
import Testing

/// librdkafka's first requests, as kcat sent them, decode to the expected values and re-encode to
/// the same bytes (headers included).
@Suite struct KcatGoldenFrameTests {
    private static func decode(_ frame: [UInt8]) throws -> (RequestHeader, any KafkaRequest, ByteBuffer) {
        let buffer = ByteBuffer(bytes: frame)
        var reader = KafkaReader(buffer: buffer)
        let header = try KafkaFraming.readRequestHeader(from: &reader)
        let body = try ApiKey(header.requestApiKey).decodeRequest(from: &reader, version: header.requestApiVersion)
        #expect(reader.remaining == 0)
        return (header, body, buffer)
    }

    /// Re-encodes header and body and checks the bytes against the captured frame.
    private static func expectReencodes<Request: KafkaRequest>(_ header: RequestHeader, _ body: Request, _ frame: ByteBuffer) throws {
        let version = header.requestApiVersion
        let reencoded = try KafkaFraming.encodeRequest(body, version: version, correlationID: header.correlationID,
                                                       clientID: header.clientID)
        #expect(reencoded.getSlice(at: 4, length: reencoded.readableBytes - 4) == frame)
    }

    @Test func apiVersionsV3() throws {
        let (header, body, frame) = try Self.decode(KcatGoldenFrames.apiVersionsV3)
        #expect(header.requestApiKey == ApiKey.apiVersions.rawValue)
        #expect(header.requestApiVersion == 3)
        #expect(header.clientID == "rdkafka")
        let request = try #require(body as? ApiVersionsRequest)
        #expect(request.clientSoftwareName == "librdkafka")
        #expect(request.clientSoftwareVersion == "2.0.2")
        try Self.expectReencodes(header, request, frame)
    }

    @Test func metadataV4() throws {
        let (header, body, frame) = try Self.decode(KcatGoldenFrames.metadataV4)
        #expect(header.requestApiVersion == 4)
        let request = try #require(body as? MetadataRequest)
        #expect(request.topics?.map(\.name) == ["golden"])
        #expect(request.allowAutoTopicCreation)
        try Self.expectReencodes(header, request, frame)
    }

    @Test func produceV7CarriesAnIntactRecordBatch() throws {
        let (header, body, frame) = try Self.decode(KcatGoldenFrames.produceV7)
        #expect(header.requestApiVersion == 7)
        let request = try #require(body as? ProduceRequest)
        #expect(request.acks == -1)
        #expect(request.transactionalID == nil)
        #expect(request.topicData.map(\.name) == ["golden"])
        let records = try #require(request.topicData.first?.partitionData.first?.records)
        let batch = try RecordBatchHeader(parsing: records, at: records.readerIndex)
        #expect(batch.magic == 2)
        #expect(batch.recordCount == 1)
        #expect(Int(batch.batchLength) + RecordBatchHeader.logOverhead == records.readableBytes)
        try batch.verifyChecksum(in: records, at: records.readerIndex)
        try Self.expectReencodes(header, request, frame)
    }
}
