import NIOCore
import PetrelProtocol
import Testing

@Suite struct PrimitivesTests {
    private static func written(_ body: (inout KafkaWriter) throws -> Void) rethrows -> [UInt8] {
        var writer = KafkaWriter()
        try body(&writer)
        return Array(writer.buffer.readableBytesView)
    }

    @Test func varintsMatchKafkaEncodings() throws {
        #expect(Self.written { $0.writeUnsignedVarint(0) } == [0x00])
        #expect(Self.written { $0.writeUnsignedVarint(300) } == [0xAC, 0x02])
        #expect(Self.written { $0.writeUnsignedVarint(.max) } == [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(Self.written { $0.writeVarint(-1) } == [0x01])
        #expect(Self.written { $0.writeVarint(1) } == [0x02])
        #expect(Self.written { $0.writeVarint(.min) } == [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(Self.written { $0.writeVarlong(-2) } == [0x03])
        #expect(Self.written { $0.writeVarlong(.max) } == [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        for value: Int64 in [0, 1, -1, 63, -64, 64, .min, .max] {
            var reader = KafkaReader(buffer: Self.written { $0.writeVarlong(value) }.byteBuffer)
            #expect(try reader.readVarlong("v") == value)
        }
        for value: Int32 in [0, 1, -1, .min, .max] {
            var reader = KafkaReader(buffer: Self.written { $0.writeVarint(value) }.byteBuffer)
            #expect(try reader.readVarint("v") == value)
        }
    }

    @Test func overlongVarintIsAnError() {
        var reader = KafkaReader(buffer: [0x80, 0x80, 0x80, 0x80, 0x80, 0x01].byteBuffer)
        #expect(throws: KafkaCodecError.self) { try reader.readUnsignedVarint("Count") }
    }

    @Test func compactAndClassicStrings() throws {
        #expect(try Self.written { try $0.writeString("hi", compact: false, field: "S") } == [0, 2, 0x68, 0x69])
        #expect(try Self.written { try $0.writeString("hi", compact: true, field: "S") } == [3, 0x68, 0x69])
        #expect(try Self.written { try $0.writeNullableString(nil, compact: true, field: "S") } == [0])
        #expect(try Self.written { try $0.writeNullableString(nil, compact: false, field: "S") } == [0xFF, 0xFF])
        #expect(try Self.written { try $0.writeNullableBytes(nil, compact: false, field: "B") } == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: KafkaCodecError.self) {
            try Self.written { try $0.writeString(String(repeating: "x", count: 40_000), compact: false, field: "S") }
        }
    }

    @Test func hugeLengthsFailBeforeAllocatingAndNameFieldAndOffset() {
        // An int32 array count of 2^31-1 in a 6-byte buffer.
        var reader = KafkaReader(buffer: [0, 0, 0x7F, 0xFF, 0xFF, 0xFF].byteBuffer)
        _ = try? reader.readInt16("ErrorCode")
        do {
            _ = try reader.readArrayCount("Topics", compact: false)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .lengthExceedsRemaining)
            #expect(error.field == "Topics")
            #expect(error.offset == 6)
        }
        var bytes = KafkaReader(buffer: [0xFF, 0xFF, 0xFF, 0x0F].byteBuffer)  // compact length 2^32-2
        #expect(throws: KafkaCodecError.self) { try bytes.readBytes("Metadata", compact: true) }
        var negative = KafkaReader(buffer: [0xFF, 0xFF, 0xFF, 0xFE].byteBuffer)
        #expect(throws: KafkaCodecError.self) { try negative.readNullableBytes("Key", compact: false) }
    }

    @Test func truncatedMessageReportsTheField() throws {
        var request = FindCoordinatorRequest()
        request.key = "group"
        let bytes = try request.encoded(version: 1)
        do {
            _ = try FindCoordinatorRequest(decoding: bytes.getSlice(at: 0, length: bytes.readableBytes - 1)!, version: 1)
            Issue.record("expected an error")
        } catch {
            #expect(error.field == "KeyType")
            #expect(error.code == .truncated)
        }
    }

    @Test func nonIgnorableFieldAbsentFromVersionThrowsIgnorableIsDropped() throws {
        var request = FindCoordinatorRequest()
        request.keyType = 1  // transaction coordinator: v1+, not ignorable
        #expect(throws: KafkaCodecError.fieldNotInVersion("KeyType", version: 0)) { try request.encoded(version: 0) }

        var response = FindCoordinatorResponse()
        response.throttleTimeMs = 100  // v1+, ignorable
        let decoded = try FindCoordinatorResponse(decoding: try response.encoded(version: 0), version: 0)
        #expect(decoded.throttleTimeMs == 0)
    }

    @Test func nullInANonNullableVersionThrows() throws {
        var request = MetadataRequest()
        request.topics = nil  // null = all topics, only from v1
        #expect(throws: KafkaCodecError.nullNotAllowed("Topics", version: 0)) { try request.encoded(version: 0) }
        let decoded = try MetadataRequest(decoding: try request.encoded(version: 1), version: 1)
        #expect(decoded.topics == nil)
    }

    @Test func versionsOutsideTheSpecAreRejected() {
        #expect(throws: KafkaCodecError.self) { try FindCoordinatorRequest().encoded(version: 99) }
        #expect(throws: KafkaCodecError.self) { try FindCoordinatorRequest(decoding: ByteBuffer(), version: -1) }
    }

    @Test func unknownApiKeyIsATypedError() {
        var reader = KafkaReader(buffer: ByteBuffer())
        do {
            _ = try ApiKey(999).decodeRequest(from: &reader, version: 0)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unknownApiKey)
            #expect(error.apiKey == 999)
        }
    }

    @Test func decodeErrorsCarryApiKeyAndVersion() {
        var reader = KafkaReader(buffer: [0, 0].byteBuffer)
        do {
            _ = try ApiKey.findCoordinator.decodeRequest(from: &reader, version: 1)
            Issue.record("expected an error")
        } catch {
            #expect(error.apiKey == ApiKey.findCoordinator.rawValue)
            #expect(error.version == 1)
            #expect(error.field == "KeyType")
        }
    }

    @Test func uuidStringFormIsKafkas() throws {
        #expect(Uuid.zero.description == "AAAAAAAAAAAAAAAAAAAAAA")
        let uuid = Uuid(mostSignificantBits: 0x0123_4567_89AB_CDEF, leastSignificantBits: 0xFEDC_BA98_7654_3210)
        #expect(uuid.description == "ASNFZ4mrze_-3LqYdlQyEA")
        #expect(Uuid("ASNFZ4mrze_-3LqYdlQyEA") == uuid)
        #expect(Uuid("ASNFZ4mrze_-3LqYdlQyE") == nil)  // 21 chars
        #expect(Uuid("ASNFZ4mrze_+3LqYdlQyEA") == nil)  // not URL-safe base64
        #expect(Uuid("ASNFZ4mrze_-3LqYdlQyEB") == nil)  // non-zero padding bits
        var generator = SplitMix64(seed: 1)
        for _ in 0..<100 {
            let random = Uuid.random(using: &generator)
            #expect(Uuid(random.description) == random)
            #expect(Uuid(bytes: random.bytes) == random)
        }
    }

    @Test func apiKeyNamesAndRegistry() {
        #expect(ApiKey.produce.rawValue == 0)
        #expect(ApiKey.apiVersions.name == "ApiVersions")
        #expect(ApiKey(name: "FindCoordinator") == .findCoordinator)
        #expect(ApiKey(name: "NoSuchApi") == nil)
        #expect(ApiKey.initProducerID.requestType == InitProducerIdRequest.self)
        #expect(ApiKey.initProducerID.responseType == InitProducerIdResponse.self)
        #expect(ApiKey(999).name == nil)
        #expect(ApiKey.allKnown.count >= 80)
        #expect(ApiKey.allRequestTypes[.fetch]?.versions == FetchRequest.versions)
        for key in ApiKey.allKnown {
            #expect(key.requestType?.apiKey == key)
            #expect(key.responseType?.apiKey == key)
        }
    }
}

extension Array where Element == UInt8 {
    var byteBuffer: ByteBuffer { ByteBuffer(bytes: self) }
}
