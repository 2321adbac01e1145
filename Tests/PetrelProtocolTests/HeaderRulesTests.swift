import NIOCore
import PetrelProtocol
import Testing

@Suite struct HeaderRulesTests {
    @Test func apiVersionsResponsesAlwaysUseHeaderV0() {
        for version in ApiVersionsResponse.versions {
            #expect(responseHeaderVersion(apiKey: .apiVersions, apiVersion: version) == 0)
        }
        // Even for a version newer than this build knows: the client must read the error.
        #expect(responseHeaderVersion(apiKey: .apiVersions, apiVersion: 99) == 0)
        #expect(requestHeaderVersion(apiKey: .apiVersions, apiVersion: 3) == 2)
        #expect(requestHeaderVersion(apiKey: .apiVersions, apiVersion: 2) == 1)
    }

    @Test func headerVersionsFollowFlexibleVersions() {
        #expect(requestHeaderVersion(apiKey: .metadata, apiVersion: 8) == 1)
        #expect(requestHeaderVersion(apiKey: .metadata, apiVersion: 9) == 2)
        #expect(responseHeaderVersion(apiKey: .metadata, apiVersion: 8) == 0)
        #expect(responseHeaderVersion(apiKey: .metadata, apiVersion: 9) == 1)
        #expect(requestHeaderVersion(apiKey: .produce, apiVersion: 9) == 2)
        #expect(requestHeaderVersion(apiKey: ApiKey(999), apiVersion: 0) == nil)
        #expect(responseHeaderVersion(apiKey: ApiKey(999), apiVersion: 0) == nil)
    }

    @Test func controlledShutdownV0HasNoClientID() {
        #expect(requestHeaderVersion(apiKey: .controlledShutdown, apiVersion: 0) == 0)
        #expect(requestHeaderVersion(apiKey: .controlledShutdown, apiVersion: 1) == 1)
    }

    @Test func clientIDIsNeverCompact() throws {
        var header = RequestHeader()
        header.requestApiKey = 18
        header.requestApiVersion = 3
        header.correlationID = 7
        header.clientID = "abc"
        let bytes = Array(try header.encoded(version: 2).readableBytesView)
        // api key, api version, correlation id, int16 length 3 + "abc", empty tagged fields.
        #expect(bytes == [0, 18, 0, 3, 0, 0, 0, 7, 0, 3, 0x61, 0x62, 0x63, 0])
        header.clientID = nil
        #expect(Array(try header.encoded(version: 2).readableBytesView) == [0, 18, 0, 3, 0, 0, 0, 7, 0xFF, 0xFF, 0])
    }

    @Test func defaultValuedTaggedFieldsAreNotWritten() throws {
        var response = ApiVersionsResponse()
        var apiVersion = ApiVersionsResponse.ApiVersion()
        apiVersion.apiKey = 18
        apiVersion.maxVersion = 4
        response.apiKeys = [apiVersion]
        #expect(response.finalizedFeaturesEpoch == -1)  // the spec default
        let plain = Array(try response.encoded(version: 3).readableBytesView)
        // error code, compact array (1 + 1), [key 18, min 0, max 4, no tags], throttle 0, no tags.
        #expect(plain == [0, 0, 2, 0, 18, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0])

        response.finalizedFeaturesEpoch = 5
        let tagged = Array(try response.encoded(version: 3).readableBytesView)
        // ... then one tagged field: tag 1, size 8, int64 5.
        #expect(tagged == plain.dropLast() + [1, 1, 8, 0, 0, 0, 0, 0, 0, 0, 5])
        #expect(try ApiVersionsResponse(decoding: ByteBuffer(bytes: tagged), version: 3) == response)
    }

    @Test func framingRoundTripsARequest() throws {
        var request = FindCoordinatorRequest()
        request.coordinatorKeys = ["group-a"]
        let frame = try KafkaFraming.encodeRequest(request, version: 4, correlationID: 42, clientID: "petrel")
        var decoder = KafkaFrameDecoder()
        var input = frame
        let body = try #require(try decoder.decode(buffer: &input))
        var reader = KafkaReader(buffer: body)
        let header = try KafkaFraming.readRequestHeader(from: &reader)
        #expect(header.requestApiKey == ApiKey.findCoordinator.rawValue)
        #expect(header.correlationID == 42)
        #expect(header.clientID == "petrel")
        let decoded = try ApiKey(header.requestApiKey).decodeRequest(from: &reader, version: header.requestApiVersion)
        #expect(decoded as? FindCoordinatorRequest == request)
        #expect(reader.remaining == 0)
    }
}

@Suite struct ApiVersionsFallbackTests {
    @Test func unsupportedVersionAnswerIsReadAsV0() throws {
        // The broker's answer to an ApiVersions v3 request it cannot serve: a v0 body.
        var answer = ApiVersionsResponse()
        answer.errorCode = KafkaErrorCode.unsupportedVersion.rawValue
        var supported = ApiVersionsResponse.ApiVersion()
        supported.apiKey = ApiKey.apiVersions.rawValue
        supported.maxVersion = 2
        answer.apiKeys = [supported]
        let bytes = try answer.encoded(version: 0)
        #expect(throws: KafkaCodecError.self) { try ApiVersionsResponse(decoding: bytes, version: 3) }
        #expect(try ApiVersionsResponse(decodingWithFallback: bytes, version: 3) == answer)
    }
}
