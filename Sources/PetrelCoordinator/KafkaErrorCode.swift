/// The Kafka error codes the coordinator answers with.
///
/// Interim: replaced by PetrelProtocol's generated `KafkaErrorCode` once that lands; the member names follow
/// Kafka's names (`UNKNOWN_MEMBER_ID` → `unknownMemberID`) so the swap is a deletion of this file.
public struct KafkaErrorCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let unknownServerError = KafkaErrorCode(rawValue: -1)
    public static let none = KafkaErrorCode(rawValue: 0)
    public static let unknownTopicOrPartition = KafkaErrorCode(rawValue: 3)
    public static let offsetMetadataTooLarge = KafkaErrorCode(rawValue: 12)
    public static let coordinatorLoadInProgress = KafkaErrorCode(rawValue: 14)
    public static let coordinatorNotAvailable = KafkaErrorCode(rawValue: 15)
    public static let notCoordinator = KafkaErrorCode(rawValue: 16)
    public static let illegalGeneration = KafkaErrorCode(rawValue: 22)
    public static let inconsistentGroupProtocol = KafkaErrorCode(rawValue: 23)
    public static let invalidGroupID = KafkaErrorCode(rawValue: 24)
    public static let unknownMemberID = KafkaErrorCode(rawValue: 25)
    public static let invalidSessionTimeout = KafkaErrorCode(rawValue: 26)
    public static let rebalanceInProgress = KafkaErrorCode(rawValue: 27)
    public static let nonEmptyGroup = KafkaErrorCode(rawValue: 68)
    public static let groupIDNotFound = KafkaErrorCode(rawValue: 69)
    public static let memberIDRequired = KafkaErrorCode(rawValue: 79)
    public static let groupMaxSizeReached = KafkaErrorCode(rawValue: 81)
    public static let fencedInstanceID = KafkaErrorCode(rawValue: 82)
    public static let groupSubscribedToTopic = KafkaErrorCode(rawValue: 86)
}
