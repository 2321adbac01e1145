import Foundation
import NIOCore
import PetrelProtocol
import Testing

/// One request/response pair from `GoldenFrames/`: real client requests and the Petrel broker's
/// answers, captured byte for byte by `Tests/IntegrationTests/capture_golden_frames.py`
/// (`make golden-frames`). `manifest.json` names the client and librdkafka version behind each pair
/// and what the capture tool made the client send (`sent`), which the tests check the decoded
/// frames against. Frames are stored without their 4-byte size prefix.
struct GoldenExchange: Decodable, Sendable, CustomTestStringConvertible {
    /// What the capture tool had the client do; which fields are set depends on the scenario.
    struct Sent: Decodable, Sendable {
        var topic: String?
        var topics: [String]?
        var group: String?
        var codec: String?
        /// (key, value) of each record produced, in order.
        var records: [[String]]?
        var idempotent: Bool?
        var config: [String: String]?
    }

    var api: String
    var keyNumber: Int16
    var version: Int16
    /// The produce scenario (codec or `idempotent`) for Produce, nil for other APIs.
    var variant: String?
    /// `kcat` or `confluent`.
    var client: String
    var clientVersion: String
    var librdkafka: String
    var scenario: String
    var request: String
    var response: String
    var sent: Sent

    var testDescription: String { "\(client) \(api)\(variant.map { " " + $0 } ?? "") v\(version)" }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("GoldenFrames")
    static let fuzzCorpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus/request-decoder")

    /// The manifest's exchanges, or none when it cannot be read (`GoldenFrameTests` fails on that).
    static let all: [GoldenExchange] = (try? load()) ?? []

    static func load() throws -> [GoldenExchange] {
        try JSONDecoder().decode(
            [GoldenExchange].self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
    }

    func requestFrame() throws -> ByteBuffer { try Self.frame(request) }
    func responseFrame() throws -> ByteBuffer { try Self.frame(response) }

    static func frame(_ name: String) throws -> ByteBuffer {
        ByteBuffer(bytes: try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// The request's header and body, decoded with the generated types, and the body's bytes; the body
    /// must use the whole frame.
    func decodeRequest() throws -> (header: RequestHeader, body: any KafkaRequest, bodyBytes: ByteBuffer) {
        let frame = try requestFrame()
        var reader = KafkaReader(buffer: frame)
        let header = try KafkaFraming.readRequestHeader(from: &reader)
        let bodyBytes = Self.rest(of: frame, after: reader)
        let body = try ApiKey(header.requestApiKey).decodeRequest(from: &reader, version: header.requestApiVersion)
        guard reader.remaining == 0 else { throw Leftover(frame: request, bytes: reader.remaining) }
        return (header, body, bodyBytes)
    }

    /// The response's header and body at the request's API and version, and the body's bytes; the body
    /// must use the whole frame.
    func decodeResponse() throws -> (header: ResponseHeader, body: any KafkaResponse, bodyBytes: ByteBuffer) {
        let frame = try responseFrame()
        var reader = KafkaReader(buffer: frame)
        let header = try KafkaFraming.readResponseHeader(from: &reader, apiKey: ApiKey(keyNumber), apiVersion: version)
        let bodyBytes = Self.rest(of: frame, after: reader)
        let body = try ApiKey(keyNumber).decodeResponse(from: &reader, version: version)
        guard reader.remaining == 0 else { throw Leftover(frame: response, bytes: reader.remaining) }
        return (header, body, bodyBytes)
    }

    /// The bytes of `frame` that `reader` has not read yet.
    private static func rest(of frame: ByteBuffer, after reader: KafkaReader) -> ByteBuffer {
        var rest = frame
        rest.moveReaderIndex(forwardBy: frame.readableBytes - reader.remaining)
        return rest
    }

    struct Leftover: Error, CustomStringConvertible {
        var frame: String
        var bytes: Int
        var description: String { "\(frame): \(bytes) bytes left after the body" }
    }
}
