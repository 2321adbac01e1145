import Testing

@testable import PetrelClient

/// JoinGroup metadata and SyncGroup assignment bytes, as the Java client's `ConsumerProtocol` lays
/// them out: int16 version, then the fields of that version (big-endian, int16-length strings,
/// int32-count arrays, int32-length nullable bytes).
@Suite struct ConsumerProtocolTests {
    private func tp(_ topic: String, _ partition: Int32) -> TopicPartition {
        TopicPartition(topic: topic, partition: partition)
    }

    @Test func subscriptionRoundTripsOwnedPartitionsGenerationAndRack() throws {
        let bytes = try ConsumerProtocol.encodeSubscription(
            topics: ["b", "a"], ownedPartitions: [tp("a", 1), tp("a", 0), tp("b", 2)], generationID: 7, rackID: "r1",
            userData: ConsumerProtocol.generationUserData(7))
        #expect(bytes.prefix(2) == [0, 3])
        let decoded = try ConsumerProtocol.decodeSubscription(bytes, memberID: "m", groupInstanceID: "i")
        #expect(decoded.topics == ["a", "b"])
        #expect(decoded.ownedPartitions == [tp("a", 0), tp("a", 1), tp("b", 2)])
        #expect(decoded.generationID == 7)
        #expect(decoded.rackID == "r1")
        #expect(decoded.memberID == "m")
        #expect(decoded.groupInstanceID == "i")
    }

    @Test func decodesAVersionZeroSubscriptionAsJavaWritesIt() throws {
        let bytes: [UInt8] = [0, 0] + [0, 0, 0, 2] + [0, 2, 0x74, 0x31] + [0, 2, 0x74, 0x32] + [0xff, 0xff, 0xff, 0xff]
        let decoded = try ConsumerProtocol.decodeSubscription(bytes, memberID: "m", groupInstanceID: nil)
        #expect(decoded.topics == ["t1", "t2"])
        #expect(decoded.ownedPartitions.isEmpty)
        #expect(decoded.generationID == -1)
    }

    @Test func generationComesFromCooperativeUserDataWhenTheFieldIsAbsent() throws {
        // Version 1: topics, user data (4-byte generation 5), owned partitions (t1: [0]).
        let bytes: [UInt8] = [0, 1] + [0, 0, 0, 1, 0, 2, 0x74, 0x31] + [0, 0, 0, 4, 0, 0, 0, 5]
            + [0, 0, 0, 1, 0, 2, 0x74, 0x31, 0, 0, 0, 1, 0, 0, 0, 0]
        let decoded = try ConsumerProtocol.decodeSubscription(bytes, memberID: "m", groupInstanceID: nil)
        #expect(decoded.generationID == 5)
        #expect(decoded.ownedPartitions == [tp("t1", 0)])
    }

    @Test func newerSubscriptionVersionsAreReadWithTheNewestKnownLayout() throws {
        var bytes = try ConsumerProtocol.encodeSubscription(
            topics: ["t"], ownedPartitions: [], generationID: 2, rackID: nil, userData: nil)
        bytes[1] = 9
        bytes += [0xde, 0xad]  // fields a future version appended
        let decoded = try ConsumerProtocol.decodeSubscription(bytes, memberID: "m", groupInstanceID: nil)
        #expect(decoded.topics == ["t"])
        #expect(decoded.generationID == 2)
    }

    @Test func assignmentRoundTripsAndMatchesJavaLayout() throws {
        let bytes = try ConsumerProtocol.encodeAssignment([tp("t", 1), tp("t", 0)])
        // version 3, one topic "t" with partitions [0, 1], null user data.
        #expect(bytes == [0, 3, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff])
        #expect(try ConsumerProtocol.decodeAssignment(bytes) == [tp("t", 0), tp("t", 1)])
    }

    @Test func emptyAssignmentBytesMeanNoPartitions() throws {
        #expect(try ConsumerProtocol.decodeAssignment([]) == [])
    }

    @Test func malformedBytesAreErrorsNotCrashes() {
        #expect(throws: KafkaClientError.self) { try ConsumerProtocol.decodeAssignment([0]) }
        #expect(throws: KafkaClientError.self) { try ConsumerProtocol.decodeAssignment([0xff, 0xff, 0, 0]) }
        // A topic count far beyond the bytes present.
        #expect(throws: KafkaClientError.self) {
            try ConsumerProtocol.decodeSubscription([0, 0, 0x7f, 0xff, 0xff, 0xff], memberID: "m", groupInstanceID: nil)
        }
    }

    @Test func generationUserDataIsBigEndian() {
        #expect(ConsumerProtocol.generationUserData(0x0102_0304) == [1, 2, 3, 4])
        #expect(ConsumerProtocol.generationUserData(-1) == [0xff, 0xff, 0xff, 0xff])
    }
}

@Suite struct ApiVersionNegotiationTests {
    @Test func picksTheHighestVersionBothSidesSupport() {
        let table = ApiVersionTable(ranges: [0: 0...9, 1: 4...17, 3: 0...12])
        #expect(table.negotiate(.init(0), ours: 0...11) == 9)
        #expect(table.negotiate(.init(1), ours: 0...12) == 12)
        #expect(table.negotiate(.init(3), ours: 0...12) == 12)
    }

    @Test func noOverlapOrUnknownApiNegotiatesNothing() {
        let table = ApiVersionTable(ranges: [0: 5...9])
        #expect(table.negotiate(.init(0), ours: 0...3) == nil)
        #expect(table.negotiate(.init(42), ours: 0...3) == nil)
    }
}

@Suite struct BrokerAddressTests {
    @Test func parsesHostPortAndBracketedIPv6() {
        #expect(BrokerAddress(parsing: "localhost:9092") == BrokerAddress(host: "localhost", port: 9092))
        #expect(BrokerAddress(parsing: "[::1]:19092") == BrokerAddress(host: "::1", port: 19092))
        #expect(BrokerAddress(parsing: "[::1]:19092")?.description == "[::1]:19092")
    }

    @Test(arguments: ["localhost", "localhost:", ":9092", "host:0", "host:70000", "host:abc"])
    func rejectsMalformedAddresses(text: String) {
        #expect(BrokerAddress(parsing: text) == nil)
    }
}
