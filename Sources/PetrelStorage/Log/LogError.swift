/// Why a log operation failed. The broker maps `code` to a Kafka error code (see each code).
public struct LogError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case storage, logDirOffline, offsetOutOfRange, corruptBatch, outOfOrderSequence, invalidProducerEpoch
            case logDirUnavailable, notFound, alreadyExists, appendTooLarge
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        public var description: String { base.rawValue }

        /// A write, sync or file operation failed (ENOSPC, EIO...): KAFKA_STORAGE_ERROR.
        public static let storage = Code(.storage)
        /// The partition's log dir was marked offline by an earlier failure: KAFKA_STORAGE_ERROR.
        public static let logDirOffline = Code(.logDirOffline)
        /// OFFSET_OUT_OF_RANGE.
        public static let offsetOutOfRange = Code(.offsetOutOfRange)
        /// CORRUPT_MESSAGE.
        public static let corruptBatch = Code(.corruptBatch)
        /// OUT_OF_ORDER_SEQUENCE_NUMBER.
        public static let outOfOrderSequence = Code(.outOfOrderSequence)
        /// INVALID_PRODUCER_EPOCH.
        public static let invalidProducerEpoch = Code(.invalidProducerEpoch)
        /// An append larger than `segment.bytes` (it could never fit a segment): RECORD_LIST_TOO_LARGE.
        public static let appendTooLarge = Code(.appendTooLarge)
        /// A configured log dir could not be opened at start.
        public static let logDirUnavailable = Code(.logDirUnavailable)
        /// UNKNOWN_TOPIC_OR_PARTITION.
        public static let notFound = Code(.notFound)
        public static let alreadyExists = Code(.alreadyExists)
    }

    public var code: Code
    public var detail: String
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }
    public var description: String { "\(code): \(detail)" }
    /// Payload-free text for metric labels.
    public var shortDescription: String { code.description }
}
