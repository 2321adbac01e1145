import Foundation
import NIOCore
import PetrelProtocol
import Testing

/// Cross-implementation check against kafka-python 3.0.12 (pinned by `make deps`), whose codec is
/// written independently from Kafka's JSON specs. For every request and response both sides know,
/// at every version both support: Petrel encodes random values, kafka-python decodes and
/// re-encodes them, the bytes must be identical, and Petrel must decode kafka-python's bytes back
/// to the same value.
@Suite struct KafkaPythonCrossTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("IntegrationTests/kafka_python_codec.py")
    static let seed: UInt64 = 0x4B41_464B_4150_5954  // "KAFKAPYT"
    static let valuesPerVersion = 4

    struct Item: Codable {
        var name: String
        var version: Int16
        var hex: String?
        var error: String?
    }

    static func runPython(_ arguments: [String], input: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // Write and read concurrently so neither side blocks on a full pipe.
        let writer = Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "kafka_python_codec.py exited with \(process.terminationStatus)")
        return output
    }

    @Test func petrelAndKafkaPythonAgreeByteForByte() throws {
        let pythonVersions = try JSONDecoder().decode(
            [String: [Int16]].self, from: Self.runPython(["--versions"], input: Data()))
        var rng = SplitMix64(seed: Self.seed)
        var sent: [Item] = []
        var values: [String: any ArbitraryMessage] = [:]
        var covered: Set<String> = []
        for type in allGeneratedMessageTypes where type is any KafkaRequest.Type || type is any KafkaResponse.Type {
            let name = String(describing: type)
            guard let range = pythonVersions[name], range.count == 2 else { continue }
            let low = max(type.versions.lowerBound, range[0])
            let high = min(type.versions.upperBound, range[1])
            guard low <= high else { continue }
            covered.insert(name)
            for version in low...high {
                for _ in 0..<Self.valuesPerVersion {
                    let value = Self.arbitrary(type, version: version, using: &rng)
                    let item = Item(name: name, version: version, hex: try Self.hex(value.encoded(version: version)))
                    values["\(sent.count)"] = value
                    sent.append(item)
                }
            }
        }
        // The APIs the broker and clients depend on first must all be covered.
        for api in ["ApiVersions", "Metadata", "Produce", "Fetch", "ListOffsets", "FindCoordinator", "JoinGroup",
                    "SyncGroup", "Heartbeat", "OffsetCommit", "OffsetFetch", "CreateTopics", "DeleteTopics",
                    "DescribeConfigs", "InitProducerId"] {
            #expect(covered.contains(api + "Request") && covered.contains(api + "Response"), "\(api) not covered")
        }
        let received = try JSONDecoder().decode(
            [Item].self, from: Self.runPython([], input: JSONEncoder().encode(sent)))
        #expect(received.count == sent.count)
        var failures = 0
        for (index, (mine, theirs)) in zip(sent, received).enumerated() where failures < 20 {
            let context = "\(mine.name) v\(mine.version) #\(index) (seed 0x\(String(Self.seed, radix: 16)))"
            guard let hex = theirs.hex else {
                failures += 1
                Issue.record("\(context): kafka-python failed: \(theirs.error ?? "?")")
                continue
            }
            if hex != mine.hex {
                failures += 1
                Issue.record("\(context): kafka-python re-encoded differently\n petrel: \(mine.hex ?? "")\n python: \(hex)")
                continue
            }
            if let value = values["\(index)"] {
                #expect(try Self.decodes(value, from: hex, version: mine.version), "\(context): decode of kafka-python bytes differs")
            }
        }
        print("KafkaPythonCrossTests: \(sent.count) messages across \(covered.count) message types checked, \(failures) disagreements")
    }

    @Test func kafkaPythonEncodedMessagesDecodeAndReencodeIdentically() throws {
        let samples = try JSONDecoder().decode([Item].self, from: Self.runPython(["--samples"], input: Data()))
        let types = Dictionary(uniqueKeysWithValues: allGeneratedMessageTypes.map { (String(describing: $0), $0) })
        #expect(samples.count > 80)
        var apis: Set<String> = []
        for sample in samples {
            let context = "\(sample.name) v\(sample.version)"
            guard let type = types[sample.name], let hex = sample.hex else {
                Issue.record("\(context): no Petrel type or no bytes")
                continue
            }
            apis.insert(sample.name)
            let bytes = ByteBuffer(bytes: Self.bytes(hex))
            let reencoded = try Self.reencode(type, bytes, version: sample.version)
            #expect(Self.hex(reencoded) == hex, "\(context): Petrel re-encoded differently")
        }
        #expect(apis.count >= 30)

        // Spot checks that the values, not only the bytes, came through.
        let produce = try #require(samples.first { $0.name == "ProduceRequest" && $0.version == 9 }?.hex)
        let request = try ProduceRequest(decoding: ByteBuffer(bytes: Self.bytes(produce)), version: 9)
        #expect(request.acks == -1)
        #expect(request.topicData.first?.name == "orders")
        let records = try #require(request.topicData.first?.partitionData.first?.records)
        #expect(Array(records.readableBytesView) == Array(0..<61) + Array("petrel".utf8))
        let created = try #require(samples.first { $0.name == "CreateTopicsResponse" && $0.version == 7 }?.hex)
        let response = try CreateTopicsResponse(decoding: ByteBuffer(bytes: Self.bytes(created)), version: 7)
        #expect(response.topics.first?.topicID.description == "Nk5uI3G_RQeMVUeB8sxJ8A")
        #expect(response.topics.first?.configs == nil)
    }

    /// The golden frames (`GoldenFrameTests`): kafka-python decodes the body of every captured Petrel
    /// response, and of every client request, at its captured version wherever it has that API and
    /// version, and re-encodes it to the same bytes.
    @Test func kafkaPythonReadsTheGoldenFramesIdentically() throws {
        let pythonVersions = try JSONDecoder().decode(
            [String: [Int16]].self, from: Self.runPython(["--versions"], input: Data()))
        var sent: [Item] = []
        for exchange in try GoldenExchange.load() {
            let bodies = [
                (exchange.api + "Response", try exchange.decodeResponse().bodyBytes),
                (exchange.api + "Request", try exchange.decodeRequest().bodyBytes),
            ]
            for (name, body) in bodies {
                guard let range = pythonVersions[name], range.count == 2, range[0] <= exchange.version,
                    exchange.version <= range[1]
                else { continue }
                sent.append(Item(name: name, version: exchange.version, hex: Self.hex(body)))
            }
        }
        let covered = Set(sent.filter { $0.name.hasSuffix("Response") }.map { $0.name.dropLast("Response".count) })
        #expect(covered.isSuperset(of: GoldenFrameTests.requiredApis.map { Substring($0) }))
        let received = try JSONDecoder().decode(
            [Item].self, from: Self.runPython([], input: JSONEncoder().encode(sent)))
        #expect(received.count == sent.count)
        for (mine, theirs) in zip(sent, received) {
            #expect(theirs.error == nil && theirs.hex == mine.hex,
                    "\(mine.name) v\(mine.version): \(theirs.error ?? "kafka-python re-encoded it differently")")
        }
    }

    private static func reencode<Message: KafkaMessage>(
        _: Message.Type, _ bytes: ByteBuffer, version: Int16
    ) throws -> ByteBuffer {
        var reader = KafkaReader(buffer: bytes)
        let value = try Message(from: &reader, version: version)
        #expect(reader.remaining == 0)
        return try value.encoded(version: version)
    }

    /// kafka-python drops tagged fields it does not know, so none are generated here. It also
    /// reads any ApiVersionsResponse with a non-zero error as v0 (what a broker sends to a client
    /// whose ApiVersions version it does not support), so those carry no error above v0.
    private static func arbitrary<Message: ArbitraryMessage>(
        _: Message.Type, version: Int16, using rng: inout SplitMix64
    ) -> Message {
        let value = Message.arbitrary(version: version, unknownTags: false, using: &rng)
        if var response = value as? ApiVersionsResponse, version > 0 {
            response.errorCode = 0
            return response as! Message
        }
        return value
    }

    private static func decodes<Message: KafkaMessage>(_ value: Message, from hex: String, version: Int16) throws -> Bool {
        try Message(decoding: ByteBuffer(bytes: bytes(hex)), version: version) == value
    }

    static func hex(_ buffer: ByteBuffer) -> String {
        buffer.readableBytesView.map { String(format: "%02x", $0) }.joined()
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }
}
