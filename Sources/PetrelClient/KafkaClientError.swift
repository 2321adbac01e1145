import PetrelProtocol

/// An error from the Petrel client: a broker's error code, or a local failure (connection, timeout,
/// protocol, bad argument). A struct over a private enum so that adding a case breaks no caller.
public struct KafkaClientError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Base: Hashable, Sendable {
        case broker(KafkaErrorCode)
        case connectionFailed
        case requestTimedOut
        case protocolError
        case unsupportedVersion
        case noBrokerAvailable
        case invalidArgument
        case closed
    }

    private let base: Base
    /// Human-readable context (the address, the topic, the field...).
    public let detail: String

    private init(_ base: Base, _ detail: String) {
        self.base = base
        self.detail = detail
    }

    /// The broker answered with this error code.
    public static func broker(_ code: KafkaErrorCode, _ detail: String = "") -> KafkaClientError {
        KafkaClientError(.broker(code), detail)
    }
    /// A TCP connection could not be made or was lost with requests outstanding.
    public static func connectionFailed(_ detail: String) -> KafkaClientError { KafkaClientError(.connectionFailed, detail) }
    /// No response within `request.timeout.ms`.
    public static func requestTimedOut(_ detail: String) -> KafkaClientError { KafkaClientError(.requestTimedOut, detail) }
    /// A response could not be decoded or does not match its request.
    public static func protocolError(_ detail: String) -> KafkaClientError { KafkaClientError(.protocolError, detail) }
    /// The broker supports no version of an API this client needs.
    public static func unsupportedVersion(_ detail: String) -> KafkaClientError {
        KafkaClientError(.unsupportedVersion, detail)
    }
    /// None of the bootstrap or known brokers could be reached.
    public static func noBrokerAvailable(_ detail: String) -> KafkaClientError { KafkaClientError(.noBrokerAvailable, detail) }
    /// The caller passed something the client cannot act on (unknown assignor, bad offset...).
    public static func invalidArgument(_ detail: String) -> KafkaClientError { KafkaClientError(.invalidArgument, detail) }
    /// The producer, consumer or connection was closed.
    public static func closed(_ detail: String) -> KafkaClientError { KafkaClientError(.closed, detail) }

    /// The broker's error code, when the broker reported the error.
    public var brokerErrorCode: KafkaErrorCode? {
        if case .broker(let code) = base { return code }
        return nil
    }

    /// True when the broker serves no version of the API the operation needs.
    public var isUnsupportedVersion: Bool { base == .unsupportedVersion }

    /// Whether retrying the same operation may succeed: retriable broker codes, lost connections and
    /// timeouts (the metadata is refreshed before the retry).
    public var isRetriable: Bool {
        switch base {
        case .broker(let code): code.isRetriable
        case .connectionFailed, .requestTimedOut, .noBrokerAvailable: true
        case .protocolError, .unsupportedVersion, .invalidArgument, .closed: false
        }
    }

    /// A payload-free name, suitable as a metric label.
    public var shortDescription: String {
        switch base {
        case .broker(let code): code.name
        case .connectionFailed: "connection failed"
        case .requestTimedOut: "request timed out"
        case .protocolError: "protocol error"
        case .unsupportedVersion: "unsupported version"
        case .noBrokerAvailable: "no broker available"
        case .invalidArgument: "invalid argument"
        case .closed: "closed"
        }
    }

    public var description: String { detail.isEmpty ? shortDescription : "\(shortDescription): \(detail)" }
}
