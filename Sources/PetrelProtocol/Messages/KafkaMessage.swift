import NIOCore

/// A message generated from one of Kafka's JSON specs: one value type for every version, the
/// version passed in to `encode` and `init(from:version:)`.
///
/// Encoding follows Kafka's rules: a field absent from the version is skipped if it holds its
/// default or is `ignorable`, and otherwise throws `fieldNotInVersion`; a tagged field is written
/// only when it differs from its default; `unknownTaggedFields` round-trip untouched.
public protocol KafkaMessage: Hashable, Sendable {
    /// The versions this build can encode and decode (the spec's `validVersions`).
    static var versions: ClosedRange<Int16> { get }
    /// The first flexible version (compact strings/arrays, tagged fields), or nil if none is.
    static var firstFlexibleVersion: Int16? { get }

    /// A value with every field at its spec default.
    init()
    func encode(into writer: inout KafkaWriter, version: Int16) throws(KafkaCodecError)
    init(from reader: inout KafkaReader, version: Int16) throws(KafkaCodecError)
}

/// A request body; `Response` is its response body type.
public protocol KafkaRequest: KafkaMessage {
    associatedtype Response: KafkaResponse
    static var apiKey: ApiKey { get }
}

/// A response body.
public protocol KafkaResponse: KafkaMessage {
    static var apiKey: ApiKey { get }
}

/// A record whose spec carries a type id (`apiKey` in `metadata/*.json`): KRaft metadata records.
public protocol KafkaMetadataRecord: KafkaMessage {
    static var recordType: Int16 { get }
}

extension KafkaMessage {
    /// Whether `version` uses the flexible encodings.
    public static func isFlexible(_ version: Int16) -> Bool {
        guard let first = firstFlexibleVersion else { return false }
        return version >= first
    }

    /// Encodes into a new buffer.
    public func encoded(version: Int16) throws(KafkaCodecError) -> ByteBuffer {
        var writer = KafkaWriter()
        try encode(into: &writer, version: version)
        return writer.buffer
    }

    /// Decodes from the readable bytes of `buffer`; bytes after the message are ignored, as Kafka does.
    public init(decoding buffer: ByteBuffer, version: Int16) throws(KafkaCodecError) {
        var reader = KafkaReader(buffer: buffer)
        try self.init(from: &reader, version: version)
    }
}
