/// A Kafka API key (the request type id in every request header).
///
/// A struct rather than an enum so that keys this build does not know still round-trip; the static
/// members, names and the request/response type registry are generated from the specs
/// (`Generated/ApiKey+Generated.swift`).
public struct ApiKey: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: Int16

    @inlinable
    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    @inlinable
    public init(_ rawValue: Int16) {
        self.rawValue = rawValue
    }

    public var description: String { name ?? "ApiKey(\(rawValue))" }

    public static func < (lhs: ApiKey, rhs: ApiKey) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The request type for this key, or nil for a key this build does not know.
    public var requestType: (any KafkaRequest.Type)? { Self.registry[self]?.request }

    /// The response type for this key, or nil for a key this build does not know.
    public var responseType: (any KafkaResponse.Type)? { requestType.map { $0.responseType } }

    /// The key's Kafka name (`Produce`, `ApiVersions`...), or nil for an unknown key.
    public var name: String? { Self.registry[self]?.name }

    /// The key with this Kafka name (`FindCoordinator`), if any.
    public init?(name: String) {
        guard let key = Self.allKnown.first(where: { $0.name == name }) else { return nil }
        self = key
    }

    /// Every API key this build knows, ascending.
    public static let allKnown: [ApiKey] = registry.keys.sorted()

    /// Every request type by API key; each type's `versions` is what this build can decode (the
    /// broker's ApiVersions answer starts from this).
    public static let allRequestTypes: [ApiKey: any KafkaRequest.Type] = registry.mapValues(\.request)

    /// One row of the generated registry.
    struct Entry: Sendable {
        let name: String
        let request: any KafkaRequest.Type
    }

    /// Decodes a request body generically: the broker reads the header, then calls this with its
    /// api key and version. Unknown keys and unsupported versions throw.
    public func decodeRequest(from reader: inout KafkaReader, version: Int16) throws(KafkaCodecError) -> any KafkaRequest {
        guard let type = requestType else {
            throw KafkaCodecError(.unknownApiKey, offset: reader.offset, apiKey: rawValue, version: version)
        }
        do {
            return try type.init(from: &reader, version: version)
        } catch {
            throw error.withContext(apiKey: rawValue, version: version)
        }
    }

    /// Decodes a response body for this key (client side), like `decodeRequest`.
    public func decodeResponse(from reader: inout KafkaReader, version: Int16) throws(KafkaCodecError) -> any KafkaResponse {
        guard let type = responseType else {
            throw KafkaCodecError(.unknownApiKey, offset: reader.offset, apiKey: rawValue, version: version)
        }
        do {
            return try type.init(from: &reader, version: version)
        } catch {
            throw error.withContext(apiKey: rawValue, version: version)
        }
    }
}

extension KafkaRequest {
    static var responseType: any KafkaResponse.Type { Response.self }
}
