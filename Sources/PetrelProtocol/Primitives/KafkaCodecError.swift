/// A message could not be encoded or decoded.
///
/// Decode errors are operating errors (bad input from a peer): the broker answers them with the
/// protocol's error code or closes the connection. They carry as much context as is known where
/// they are raised: the field, the byte offset in the frame, and the API key and version once the
/// message-level decoder has added them (see `withContext(apiKey:version:)`).
public struct KafkaCodecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong; a struct over a private enum so that adding a case breaks no caller.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case truncated, lengthExceedsRemaining, invalidLength, invalidVarint, nullNotAllowed
            case fieldNotInVersion, unsupportedVersion, valueTooLarge, duplicateTag, unknownApiKey
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Fewer bytes are left than the field needs.
        public static let truncated = Code(.truncated)
        /// A length or count prefix claims more bytes than are left in the frame.
        public static let lengthExceedsRemaining = Code(.lengthExceedsRemaining)
        /// A length prefix is negative (other than the null marker) or otherwise impossible.
        public static let invalidLength = Code(.invalidLength)
        /// A varint runs past its maximum size.
        public static let invalidVarint = Code(.invalidVarint)
        /// Null in a field or version where the field is not nullable.
        public static let nullNotAllowed = Code(.nullNotAllowed)
        /// A non-ignorable field holds a non-default value in a version that lacks the field.
        public static let fieldNotInVersion = Code(.fieldNotInVersion)
        /// The version is outside the message's valid versions.
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// A value does not fit its wire encoding (e.g. a string over 32767 bytes in a non-compact field).
        public static let valueTooLarge = Code(.valueTooLarge)
        /// A tagged field's tag appears twice (known and unknown) when encoding.
        public static let duplicateTag = Code(.duplicateTag)
        /// The API key has no message type in this build.
        public static let unknownApiKey = Code(.unknownApiKey)

        /// A payload-free name, suitable as a metric label.
        public var description: String {
            switch base {
            case .truncated: "truncated"
            case .lengthExceedsRemaining: "length exceeds remaining bytes"
            case .invalidLength: "invalid length"
            case .invalidVarint: "invalid varint"
            case .nullNotAllowed: "null not allowed"
            case .fieldNotInVersion: "field not in version"
            case .unsupportedVersion: "unsupported version"
            case .valueTooLarge: "value too large"
            case .duplicateTag: "duplicate tag"
            case .unknownApiKey: "unknown api key"
            }
        }
    }

    public var code: Code
    /// The spec name of the field being read or written (e.g. `ClientId`), when known.
    public var field: String?
    /// Byte offset from the start of the decoded buffer, when decoding.
    public var offset: Int?
    public var apiKey: Int16?
    public var version: Int16?
    /// Extra detail (the offending length, the needed byte count...).
    public var detail: String?

    public init(
        _ code: Code, field: String? = nil, offset: Int? = nil, apiKey: Int16? = nil, version: Int16? = nil,
        detail: String? = nil
    ) {
        self.code = code
        self.field = field
        self.offset = offset
        self.apiKey = apiKey
        self.version = version
        self.detail = detail
    }

    /// A payload-free name, suitable as a metric label.
    public var shortDescription: String { code.description }

    public var description: String {
        var text = "KafkaCodecError(\(code)"
        if let apiKey { text += ", apiKey \(apiKey)" }
        if let version { text += ", version \(version)" }
        if let field { text += ", field \(field)" }
        if let offset { text += ", offset \(offset)" }
        if let detail { text += ": \(detail)" }
        return text + ")"
    }

    /// The same error with the API key and version filled in where they were not known yet.
    public func withContext(apiKey: Int16?, version: Int16) -> KafkaCodecError {
        var copy = self
        copy.apiKey = copy.apiKey ?? apiKey
        copy.version = copy.version ?? version
        return copy
    }

    /// Thrown by generated encoders for a non-ignorable field set in a version that lacks it.
    public static func fieldNotInVersion(_ field: String, version: Int16) -> KafkaCodecError {
        KafkaCodecError(.fieldNotInVersion, field: field, version: version)
    }

    /// Thrown by generated encoders for nil in a version where the field is not nullable.
    public static func nullNotAllowed(_ field: String, version: Int16) -> KafkaCodecError {
        KafkaCodecError(.nullNotAllowed, field: field, version: version)
    }

    /// Thrown by generated encoders and decoders for a version outside `versions`.
    public static func unsupportedVersion(_ message: String, version: Int16) -> KafkaCodecError {
        KafkaCodecError(.unsupportedVersion, version: version, detail: message)
    }
}
