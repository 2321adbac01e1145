/// A Kafka protocol error code: the `ErrorCode` fields of responses.
///
/// A struct over `Int16` rather than an enum so that codes this build does not know (from newer
/// peers) still round-trip. Every code Kafka defines up to SHARE_SESSION_LIMIT_REACHED (133,
/// Kafka 4.1) has a static member and a row in `table` with Kafka's name, whether Kafka's clients
/// retry it (the exception is a `RetriableException`), and Kafka's default message. The data is
/// Kafka's protocol error table (kafka.apache.org/protocol, "Error Codes").
public struct KafkaErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int16

    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// Kafka's name (`NOT_COORDINATOR`), or `UNKNOWN_ERROR_CODE_<n>` for a code this build does not know.
    public var name: String { info?.name ?? "UNKNOWN_ERROR_CODE_\(rawValue)" }

    /// Whether Kafka's clients retry a request that failed with this code. Unknown codes are not retriable.
    public var isRetriable: Bool { info?.retriable ?? false }

    /// Kafka's default message for the code (empty for NONE and unknown codes).
    public var message: String { info?.message ?? "" }

    public var description: String { "\(name)(\(rawValue))" }

    /// The table row for this code, or nil for an unknown code.
    public var info: Info? {
        let index = Int(rawValue) - Int(Self.table[0].code)
        guard Self.table.indices.contains(index) else { return nil }
        return Self.table[index]
    }

    /// One row of Kafka's error table.
    public struct Info: Hashable, Sendable {
        public let code: Int16
        public let name: String
        public let retriable: Bool
        public let message: String
    }

    public static let unknownServerError = KafkaErrorCode(-1)
    public static let none = KafkaErrorCode(0)
    public static let offsetOutOfRange = KafkaErrorCode(1)
    public static let corruptMessage = KafkaErrorCode(2)
    public static let unknownTopicOrPartition = KafkaErrorCode(3)
    public static let invalidFetchSize = KafkaErrorCode(4)
    public static let leaderNotAvailable = KafkaErrorCode(5)
    public static let notLeaderOrFollower = KafkaErrorCode(6)
    public static let requestTimedOut = KafkaErrorCode(7)
    public static let brokerNotAvailable = KafkaErrorCode(8)
    public static let replicaNotAvailable = KafkaErrorCode(9)
    public static let messageTooLarge = KafkaErrorCode(10)
    public static let staleControllerEpoch = KafkaErrorCode(11)
    public static let offsetMetadataTooLarge = KafkaErrorCode(12)
    public static let networkException = KafkaErrorCode(13)
    public static let coordinatorLoadInProgress = KafkaErrorCode(14)
    public static let coordinatorNotAvailable = KafkaErrorCode(15)
    public static let notCoordinator = KafkaErrorCode(16)
    public static let invalidTopicException = KafkaErrorCode(17)
    public static let recordListTooLarge = KafkaErrorCode(18)
    public static let notEnoughReplicas = KafkaErrorCode(19)
    public static let notEnoughReplicasAfterAppend = KafkaErrorCode(20)
    public static let invalidRequiredAcks = KafkaErrorCode(21)
    public static let illegalGeneration = KafkaErrorCode(22)
    public static let inconsistentGroupProtocol = KafkaErrorCode(23)
    public static let invalidGroupID = KafkaErrorCode(24)
    public static let unknownMemberID = KafkaErrorCode(25)
    public static let invalidSessionTimeout = KafkaErrorCode(26)
    public static let rebalanceInProgress = KafkaErrorCode(27)
    public static let invalidCommitOffsetSize = KafkaErrorCode(28)
    public static let topicAuthorizationFailed = KafkaErrorCode(29)
    public static let groupAuthorizationFailed = KafkaErrorCode(30)
    public static let clusterAuthorizationFailed = KafkaErrorCode(31)
    public static let invalidTimestamp = KafkaErrorCode(32)
    public static let unsupportedSaslMechanism = KafkaErrorCode(33)
    public static let illegalSaslState = KafkaErrorCode(34)
    public static let unsupportedVersion = KafkaErrorCode(35)
    public static let topicAlreadyExists = KafkaErrorCode(36)
    public static let invalidPartitions = KafkaErrorCode(37)
    public static let invalidReplicationFactor = KafkaErrorCode(38)
    public static let invalidReplicaAssignment = KafkaErrorCode(39)
    public static let invalidConfig = KafkaErrorCode(40)
    public static let notController = KafkaErrorCode(41)
    public static let invalidRequest = KafkaErrorCode(42)
    public static let unsupportedForMessageFormat = KafkaErrorCode(43)
    public static let policyViolation = KafkaErrorCode(44)
    public static let outOfOrderSequenceNumber = KafkaErrorCode(45)
    public static let duplicateSequenceNumber = KafkaErrorCode(46)
    public static let invalidProducerEpoch = KafkaErrorCode(47)
    public static let invalidTxnState = KafkaErrorCode(48)
    public static let invalidProducerIDMapping = KafkaErrorCode(49)
    public static let invalidTransactionTimeout = KafkaErrorCode(50)
    public static let concurrentTransactions = KafkaErrorCode(51)
    public static let transactionCoordinatorFenced = KafkaErrorCode(52)
    public static let transactionalIDAuthorizationFailed = KafkaErrorCode(53)
    public static let securityDisabled = KafkaErrorCode(54)
    public static let operationNotAttempted = KafkaErrorCode(55)
    public static let kafkaStorageError = KafkaErrorCode(56)
    public static let logDirNotFound = KafkaErrorCode(57)
    public static let saslAuthenticationFailed = KafkaErrorCode(58)
    public static let unknownProducerID = KafkaErrorCode(59)
    public static let reassignmentInProgress = KafkaErrorCode(60)
    public static let delegationTokenAuthDisabled = KafkaErrorCode(61)
    public static let delegationTokenNotFound = KafkaErrorCode(62)
    public static let delegationTokenOwnerMismatch = KafkaErrorCode(63)
    public static let delegationTokenRequestNotAllowed = KafkaErrorCode(64)
    public static let delegationTokenAuthorizationFailed = KafkaErrorCode(65)
    public static let delegationTokenExpired = KafkaErrorCode(66)
    public static let invalidPrincipalType = KafkaErrorCode(67)
    public static let nonEmptyGroup = KafkaErrorCode(68)
    public static let groupIDNotFound = KafkaErrorCode(69)
    public static let fetchSessionIDNotFound = KafkaErrorCode(70)
    public static let invalidFetchSessionEpoch = KafkaErrorCode(71)
    public static let listenerNotFound = KafkaErrorCode(72)
    public static let topicDeletionDisabled = KafkaErrorCode(73)
    public static let fencedLeaderEpoch = KafkaErrorCode(74)
    public static let unknownLeaderEpoch = KafkaErrorCode(75)
    public static let unsupportedCompressionType = KafkaErrorCode(76)
    public static let staleBrokerEpoch = KafkaErrorCode(77)
    public static let offsetNotAvailable = KafkaErrorCode(78)
    public static let memberIDRequired = KafkaErrorCode(79)
    public static let preferredLeaderNotAvailable = KafkaErrorCode(80)
    public static let groupMaxSizeReached = KafkaErrorCode(81)
    public static let fencedInstanceID = KafkaErrorCode(82)
    public static let eligibleLeadersNotAvailable = KafkaErrorCode(83)
    public static let electionNotNeeded = KafkaErrorCode(84)
    public static let noReassignmentInProgress = KafkaErrorCode(85)
    public static let groupSubscribedToTopic = KafkaErrorCode(86)
    public static let invalidRecord = KafkaErrorCode(87)
    public static let unstableOffsetCommit = KafkaErrorCode(88)
    public static let throttlingQuotaExceeded = KafkaErrorCode(89)
    public static let producerFenced = KafkaErrorCode(90)
    public static let resourceNotFound = KafkaErrorCode(91)
    public static let duplicateResource = KafkaErrorCode(92)
    public static let unacceptableCredential = KafkaErrorCode(93)
    public static let inconsistentVoterSet = KafkaErrorCode(94)
    public static let invalidUpdateVersion = KafkaErrorCode(95)
    public static let featureUpdateFailed = KafkaErrorCode(96)
    public static let principalDeserializationFailure = KafkaErrorCode(97)
    public static let snapshotNotFound = KafkaErrorCode(98)
    public static let positionOutOfRange = KafkaErrorCode(99)
    public static let unknownTopicID = KafkaErrorCode(100)
    public static let duplicateBrokerRegistration = KafkaErrorCode(101)
    public static let brokerIDNotRegistered = KafkaErrorCode(102)
    public static let inconsistentTopicID = KafkaErrorCode(103)
    public static let inconsistentClusterID = KafkaErrorCode(104)
    public static let transactionalIDNotFound = KafkaErrorCode(105)
    public static let fetchSessionTopicIDError = KafkaErrorCode(106)
    public static let ineligibleReplica = KafkaErrorCode(107)
    public static let newLeaderElected = KafkaErrorCode(108)
    public static let offsetMovedToTieredStorage = KafkaErrorCode(109)
    public static let fencedMemberEpoch = KafkaErrorCode(110)
    public static let unreleasedInstanceID = KafkaErrorCode(111)
    public static let unsupportedAssignor = KafkaErrorCode(112)
    public static let staleMemberEpoch = KafkaErrorCode(113)
    public static let mismatchedEndpointType = KafkaErrorCode(114)
    public static let unsupportedEndpointType = KafkaErrorCode(115)
    public static let unknownControllerID = KafkaErrorCode(116)
    public static let unknownSubscriptionID = KafkaErrorCode(117)
    public static let telemetryTooLarge = KafkaErrorCode(118)
    public static let invalidRegistration = KafkaErrorCode(119)
    public static let transactionAbortable = KafkaErrorCode(120)
    public static let invalidRecordState = KafkaErrorCode(121)
    public static let shareSessionNotFound = KafkaErrorCode(122)
    public static let invalidShareSessionEpoch = KafkaErrorCode(123)
    public static let fencedStateEpoch = KafkaErrorCode(124)
    public static let invalidVoterKey = KafkaErrorCode(125)
    public static let duplicateVoter = KafkaErrorCode(126)
    public static let voterNotFound = KafkaErrorCode(127)
    public static let invalidRegularExpression = KafkaErrorCode(128)
    public static let rebootstrapRequired = KafkaErrorCode(129)
    public static let streamsInvalidTopology = KafkaErrorCode(130)
    public static let streamsInvalidTopologyEpoch = KafkaErrorCode(131)
    public static let streamsTopologyFenced = KafkaErrorCode(132)
    public static let shareSessionLimitReached = KafkaErrorCode(133)

    /// Kafka's error table, ordered by code with no gaps (-1 ... 133), so a code indexes it directly.
    public static let table: [Info] = [
        Info(code: -1, name: "UNKNOWN_SERVER_ERROR", retriable: false, message: "The server experienced an unexpected error when processing the request."),
        Info(code: 0, name: "NONE", retriable: false, message: ""),
        Info(code: 1, name: "OFFSET_OUT_OF_RANGE", retriable: false, message: "The requested offset is not within the range of offsets maintained by the server."),
        Info(code: 2, name: "CORRUPT_MESSAGE", retriable: true, message: "This message has failed its CRC checksum, exceeds the valid size, has a null key for a compacted topic, or is otherwise corrupt."),
        Info(code: 3, name: "UNKNOWN_TOPIC_OR_PARTITION", retriable: true, message: "This server does not host this topic-partition."),
        Info(code: 4, name: "INVALID_FETCH_SIZE", retriable: false, message: "The requested fetch size is invalid."),
        Info(code: 5, name: "LEADER_NOT_AVAILABLE", retriable: true, message: "There is no leader for this topic-partition as we are in the middle of a leadership election."),
        Info(code: 6, name: "NOT_LEADER_OR_FOLLOWER", retriable: true, message: "For requests intended only for the leader, this error indicates that the broker is not the current leader. For requests intended for any replica, this error indicates that the broker is not a replica of the topic partition."),
        Info(code: 7, name: "REQUEST_TIMED_OUT", retriable: true, message: "The request timed out."),
        Info(code: 8, name: "BROKER_NOT_AVAILABLE", retriable: false, message: "The broker is not available."),
        Info(code: 9, name: "REPLICA_NOT_AVAILABLE", retriable: true, message: "The replica is not available for the requested topic-partition. Produce/Fetch requests and other requests intended only for the leader or follower return NOT_LEADER_OR_FOLLOWER if the broker is not a replica of the topic-partition."),
        Info(code: 10, name: "MESSAGE_TOO_LARGE", retriable: false, message: "The request included a message larger than the max message size the server will accept."),
        Info(code: 11, name: "STALE_CONTROLLER_EPOCH", retriable: false, message: "The controller moved to another broker."),
        Info(code: 12, name: "OFFSET_METADATA_TOO_LARGE", retriable: false, message: "The metadata field of the offset request was too large."),
        Info(code: 13, name: "NETWORK_EXCEPTION", retriable: true, message: "The server disconnected before a response was received."),
        Info(code: 14, name: "COORDINATOR_LOAD_IN_PROGRESS", retriable: true, message: "The coordinator is loading and hence can't process requests."),
        Info(code: 15, name: "COORDINATOR_NOT_AVAILABLE", retriable: true, message: "The coordinator is not available."),
        Info(code: 16, name: "NOT_COORDINATOR", retriable: true, message: "This is not the correct coordinator."),
        Info(code: 17, name: "INVALID_TOPIC_EXCEPTION", retriable: false, message: "The request attempted to perform an operation on an invalid topic."),
        Info(code: 18, name: "RECORD_LIST_TOO_LARGE", retriable: false, message: "The request included message batch larger than the configured segment size on the server."),
        Info(code: 19, name: "NOT_ENOUGH_REPLICAS", retriable: true, message: "Messages are rejected since there are fewer in-sync replicas than required."),
        Info(code: 20, name: "NOT_ENOUGH_REPLICAS_AFTER_APPEND", retriable: true, message: "Messages are written to the log, but to fewer in-sync replicas than required."),
        Info(code: 21, name: "INVALID_REQUIRED_ACKS", retriable: false, message: "Produce request specified an invalid value for required acks."),
        Info(code: 22, name: "ILLEGAL_GENERATION", retriable: false, message: "Specified group generation id is not valid."),
        Info(code: 23, name: "INCONSISTENT_GROUP_PROTOCOL", retriable: false, message: "The group member's supported protocols are incompatible with those of existing members or first group member tried to join with empty protocol type or empty protocol list."),
        Info(code: 24, name: "INVALID_GROUP_ID", retriable: false, message: "The group id is invalid."),
        Info(code: 25, name: "UNKNOWN_MEMBER_ID", retriable: false, message: "The coordinator is not aware of this member."),
        Info(code: 26, name: "INVALID_SESSION_TIMEOUT", retriable: false, message: "The session timeout is not within the range allowed by the broker (as configured by group.min.session.timeout.ms and group.max.session.timeout.ms)."),
        Info(code: 27, name: "REBALANCE_IN_PROGRESS", retriable: false, message: "The group is rebalancing, so a rejoin is needed."),
        Info(code: 28, name: "INVALID_COMMIT_OFFSET_SIZE", retriable: false, message: "The committing offset data size is not valid."),
        Info(code: 29, name: "TOPIC_AUTHORIZATION_FAILED", retriable: false, message: "Topic authorization failed."),
        Info(code: 30, name: "GROUP_AUTHORIZATION_FAILED", retriable: false, message: "Group authorization failed."),
        Info(code: 31, name: "CLUSTER_AUTHORIZATION_FAILED", retriable: false, message: "Cluster authorization failed."),
        Info(code: 32, name: "INVALID_TIMESTAMP", retriable: false, message: "The timestamp of the message is out of acceptable range."),
        Info(code: 33, name: "UNSUPPORTED_SASL_MECHANISM", retriable: false, message: "The broker does not support the requested SASL mechanism."),
        Info(code: 34, name: "ILLEGAL_SASL_STATE", retriable: false, message: "Request is not valid given the current SASL state."),
        Info(code: 35, name: "UNSUPPORTED_VERSION", retriable: false, message: "The version of API is not supported."),
        Info(code: 36, name: "TOPIC_ALREADY_EXISTS", retriable: false, message: "Topic with this name already exists."),
        Info(code: 37, name: "INVALID_PARTITIONS", retriable: false, message: "Number of partitions is below 1."),
        Info(code: 38, name: "INVALID_REPLICATION_FACTOR", retriable: false, message: "Replication factor is below 1 or larger than the number of available brokers."),
        Info(code: 39, name: "INVALID_REPLICA_ASSIGNMENT", retriable: false, message: "Replica assignment is invalid."),
        Info(code: 40, name: "INVALID_CONFIG", retriable: false, message: "Configuration is invalid."),
        Info(code: 41, name: "NOT_CONTROLLER", retriable: true, message: "This is not the correct controller for this cluster."),
        Info(code: 42, name: "INVALID_REQUEST", retriable: false, message: "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details."),
        Info(code: 43, name: "UNSUPPORTED_FOR_MESSAGE_FORMAT", retriable: false, message: "The message format version on the broker does not support the request."),
        Info(code: 44, name: "POLICY_VIOLATION", retriable: false, message: "Request parameters do not satisfy the configured policy."),
        Info(code: 45, name: "OUT_OF_ORDER_SEQUENCE_NUMBER", retriable: false, message: "The broker received an out of order sequence number."),
        Info(code: 46, name: "DUPLICATE_SEQUENCE_NUMBER", retriable: false, message: "The broker received a duplicate sequence number."),
        Info(code: 47, name: "INVALID_PRODUCER_EPOCH", retriable: false, message: "Producer attempted to produce with an old epoch."),
        Info(code: 48, name: "INVALID_TXN_STATE", retriable: false, message: "The producer attempted a transactional operation in an invalid state."),
        Info(code: 49, name: "INVALID_PRODUCER_ID_MAPPING", retriable: false, message: "The producer attempted to use a producer id which is not currently assigned to its transactional id."),
        Info(code: 50, name: "INVALID_TRANSACTION_TIMEOUT", retriable: false, message: "The transaction timeout is larger than the maximum value allowed by the broker (as configured by transaction.max.timeout.ms)."),
        Info(code: 51, name: "CONCURRENT_TRANSACTIONS", retriable: true, message: "The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing."),
        Info(code: 52, name: "TRANSACTION_COORDINATOR_FENCED", retriable: false, message: "Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current coordinator for a given producer."),
        Info(code: 53, name: "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", retriable: false, message: "Transactional Id authorization failed."),
        Info(code: 54, name: "SECURITY_DISABLED", retriable: false, message: "Security features are disabled."),
        Info(code: 55, name: "OPERATION_NOT_ATTEMPTED", retriable: false, message: "The broker did not attempt to execute this operation. This may happen for batched RPCs where some operations in the batch failed, causing the broker to respond without trying the rest."),
        Info(code: 56, name: "KAFKA_STORAGE_ERROR", retriable: true, message: "Disk error when trying to access log file on the disk."),
        Info(code: 57, name: "LOG_DIR_NOT_FOUND", retriable: false, message: "The user-specified log directory is not found in the broker config."),
        Info(code: 58, name: "SASL_AUTHENTICATION_FAILED", retriable: false, message: "SASL Authentication failed."),
        Info(code: 59, name: "UNKNOWN_PRODUCER_ID", retriable: false, message: "This exception is raised by the broker if it could not locate the producer metadata associated with the producerId in question. This could happen if, for instance, the producer's records were deleted because their retention time had elapsed. Once the last records of the producerId are removed, the producer's metadata is removed from the broker, and future appends by the producer will return this exception."),
        Info(code: 60, name: "REASSIGNMENT_IN_PROGRESS", retriable: false, message: "A partition reassignment is in progress."),
        Info(code: 61, name: "DELEGATION_TOKEN_AUTH_DISABLED", retriable: false, message: "Delegation Token feature is not enabled."),
        Info(code: 62, name: "DELEGATION_TOKEN_NOT_FOUND", retriable: false, message: "Delegation Token is not found on server."),
        Info(code: 63, name: "DELEGATION_TOKEN_OWNER_MISMATCH", retriable: false, message: "Specified Principal is not valid Owner/Renewer."),
        Info(code: 64, name: "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", retriable: false, message: "Delegation Token requests are not allowed on PLAINTEXT/1-way SSL channels and on delegation token authenticated channels."),
        Info(code: 65, name: "DELEGATION_TOKEN_AUTHORIZATION_FAILED", retriable: false, message: "Delegation Token authorization failed."),
        Info(code: 66, name: "DELEGATION_TOKEN_EXPIRED", retriable: false, message: "Delegation Token is expired."),
        Info(code: 67, name: "INVALID_PRINCIPAL_TYPE", retriable: false, message: "Supplied principalType is not supported."),
        Info(code: 68, name: "NON_EMPTY_GROUP", retriable: false, message: "The group is not empty."),
        Info(code: 69, name: "GROUP_ID_NOT_FOUND", retriable: false, message: "The group id does not exist."),
        Info(code: 70, name: "FETCH_SESSION_ID_NOT_FOUND", retriable: true, message: "The fetch session ID was not found."),
        Info(code: 71, name: "INVALID_FETCH_SESSION_EPOCH", retriable: true, message: "The fetch session epoch is invalid."),
        Info(code: 72, name: "LISTENER_NOT_FOUND", retriable: true, message: "There is no listener on the leader broker that matches the listener on which metadata request was processed."),
        Info(code: 73, name: "TOPIC_DELETION_DISABLED", retriable: false, message: "Topic deletion is disabled."),
        Info(code: 74, name: "FENCED_LEADER_EPOCH", retriable: true, message: "The leader epoch in the request is older than the epoch on the broker."),
        Info(code: 75, name: "UNKNOWN_LEADER_EPOCH", retriable: true, message: "The leader epoch in the request is newer than the epoch on the broker."),
        Info(code: 76, name: "UNSUPPORTED_COMPRESSION_TYPE", retriable: false, message: "The requesting client does not support the compression type of given partition."),
        Info(code: 77, name: "STALE_BROKER_EPOCH", retriable: false, message: "Broker epoch has changed."),
        Info(code: 78, name: "OFFSET_NOT_AVAILABLE", retriable: true, message: "The leader high watermark has not caught up from a recent leader election so the offsets cannot be guaranteed to be monotonically increasing."),
        Info(code: 79, name: "MEMBER_ID_REQUIRED", retriable: false, message: "The group member needs to have a valid member id before actually entering a consumer group."),
        Info(code: 80, name: "PREFERRED_LEADER_NOT_AVAILABLE", retriable: true, message: "The preferred leader was not available."),
        Info(code: 81, name: "GROUP_MAX_SIZE_REACHED", retriable: false, message: "The group has reached its maximum size."),
        Info(code: 82, name: "FENCED_INSTANCE_ID", retriable: false, message: "The broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id."),
        Info(code: 83, name: "ELIGIBLE_LEADERS_NOT_AVAILABLE", retriable: true, message: "Eligible topic partition leaders are not available."),
        Info(code: 84, name: "ELECTION_NOT_NEEDED", retriable: true, message: "Leader election not needed for topic partition."),
        Info(code: 85, name: "NO_REASSIGNMENT_IN_PROGRESS", retriable: false, message: "No partition reassignment is in progress."),
        Info(code: 86, name: "GROUP_SUBSCRIBED_TO_TOPIC", retriable: false, message: "Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it."),
        Info(code: 87, name: "INVALID_RECORD", retriable: false, message: "This record has failed the validation on broker and hence will be rejected."),
        Info(code: 88, name: "UNSTABLE_OFFSET_COMMIT", retriable: true, message: "There are unstable offsets that need to be cleared."),
        Info(code: 89, name: "THROTTLING_QUOTA_EXCEEDED", retriable: true, message: "The throttling quota has been exceeded."),
        Info(code: 90, name: "PRODUCER_FENCED", retriable: false, message: "There is a newer producer with the same transactionalId which fences the current one."),
        Info(code: 91, name: "RESOURCE_NOT_FOUND", retriable: false, message: "A request illegally referred to a resource that does not exist."),
        Info(code: 92, name: "DUPLICATE_RESOURCE", retriable: false, message: "A request illegally referred to the same resource twice."),
        Info(code: 93, name: "UNACCEPTABLE_CREDENTIAL", retriable: false, message: "Requested credential would not meet criteria for acceptability."),
        Info(code: 94, name: "INCONSISTENT_VOTER_SET", retriable: false, message: "Indicates that the either the sender or recipient of a voter-only request is not one of the expected voters."),
        Info(code: 95, name: "INVALID_UPDATE_VERSION", retriable: false, message: "The given update version was invalid."),
        Info(code: 96, name: "FEATURE_UPDATE_FAILED", retriable: false, message: "Unable to update finalized features due to an unexpected server error."),
        Info(code: 97, name: "PRINCIPAL_DESERIALIZATION_FAILURE", retriable: false, message: "Request principal deserialization failed during forwarding. This indicates an internal error on the broker cluster security setup."),
        Info(code: 98, name: "SNAPSHOT_NOT_FOUND", retriable: false, message: "Requested snapshot was not found."),
        Info(code: 99, name: "POSITION_OUT_OF_RANGE", retriable: false, message: "Requested position is not greater than or equal to zero, and less than the size of the snapshot."),
        Info(code: 100, name: "UNKNOWN_TOPIC_ID", retriable: true, message: "This server does not host this topic ID."),
        Info(code: 101, name: "DUPLICATE_BROKER_REGISTRATION", retriable: false, message: "This broker ID is already in use."),
        Info(code: 102, name: "BROKER_ID_NOT_REGISTERED", retriable: false, message: "The given broker ID was not registered."),
        Info(code: 103, name: "INCONSISTENT_TOPIC_ID", retriable: true, message: "The log's topic ID did not match the topic ID in the request."),
        Info(code: 104, name: "INCONSISTENT_CLUSTER_ID", retriable: false, message: "The clusterId in the request does not match that found on the server."),
        Info(code: 105, name: "TRANSACTIONAL_ID_NOT_FOUND", retriable: false, message: "The transactionalId could not be found."),
        Info(code: 106, name: "FETCH_SESSION_TOPIC_ID_ERROR", retriable: true, message: "The fetch session encountered inconsistent topic ID usage."),
        Info(code: 107, name: "INELIGIBLE_REPLICA", retriable: false, message: "The new ISR contains at least one ineligible replica."),
        Info(code: 108, name: "NEW_LEADER_ELECTED", retriable: false, message: "The AlterPartition request successfully updated the partition state but the leader has changed."),
        Info(code: 109, name: "OFFSET_MOVED_TO_TIERED_STORAGE", retriable: false, message: "The requested offset is moved to tiered storage."),
        Info(code: 110, name: "FENCED_MEMBER_EPOCH", retriable: false, message: "The member epoch is fenced by the group coordinator. The member must abandon all its partitions and rejoin."),
        Info(code: 111, name: "UNRELEASED_INSTANCE_ID", retriable: false, message: "The instance ID is still used by another member in the consumer group. That member must leave first."),
        Info(code: 112, name: "UNSUPPORTED_ASSIGNOR", retriable: false, message: "The assignor or its version range is not supported by the consumer group."),
        Info(code: 113, name: "STALE_MEMBER_EPOCH", retriable: false, message: "The member epoch is stale. The member must retry after receiving its updated member epoch via the ConsumerGroupHeartbeat API."),
        Info(code: 114, name: "MISMATCHED_ENDPOINT_TYPE", retriable: false, message: "The request was sent to an endpoint of the wrong type."),
        Info(code: 115, name: "UNSUPPORTED_ENDPOINT_TYPE", retriable: false, message: "This endpoint type is not supported yet."),
        Info(code: 116, name: "UNKNOWN_CONTROLLER_ID", retriable: false, message: "This controller ID is not known."),
        Info(code: 117, name: "UNKNOWN_SUBSCRIPTION_ID", retriable: false, message: "Client sent a push telemetry request with an invalid or outdated subscription ID."),
        Info(code: 118, name: "TELEMETRY_TOO_LARGE", retriable: false, message: "Client sent a push telemetry request larger than the maximum size the broker will accept."),
        Info(code: 119, name: "INVALID_REGISTRATION", retriable: false, message: "The controller has considered the broker registration to be invalid."),
        Info(code: 120, name: "TRANSACTION_ABORTABLE", retriable: false, message: "The server encountered an error with the transaction. The client can abort the transaction to continue using this transactional ID."),
        Info(code: 121, name: "INVALID_RECORD_STATE", retriable: false, message: "The record state is invalid. The acknowledgement of delivery could not be completed."),
        Info(code: 122, name: "SHARE_SESSION_NOT_FOUND", retriable: true, message: "The share session was not found."),
        Info(code: 123, name: "INVALID_SHARE_SESSION_EPOCH", retriable: true, message: "The share session epoch is invalid."),
        Info(code: 124, name: "FENCED_STATE_EPOCH", retriable: false, message: "The share coordinator rejected the request because the share-group state epoch did not match."),
        Info(code: 125, name: "INVALID_VOTER_KEY", retriable: false, message: "The voter key doesn't match the receiving replica's key."),
        Info(code: 126, name: "DUPLICATE_VOTER", retriable: false, message: "The voter is already part of the set of voters."),
        Info(code: 127, name: "VOTER_NOT_FOUND", retriable: false, message: "The voter is not part of the set of voters."),
        Info(code: 128, name: "INVALID_REGULAR_EXPRESSION", retriable: false, message: "The regular expression is not valid."),
        Info(code: 129, name: "REBOOTSTRAP_REQUIRED", retriable: false, message: "Client metadata is stale. The client should rebootstrap to obtain new metadata."),
        Info(code: 130, name: "STREAMS_INVALID_TOPOLOGY", retriable: false, message: "The supplied topology is invalid."),
        Info(code: 131, name: "STREAMS_INVALID_TOPOLOGY_EPOCH", retriable: false, message: "The supplied topology epoch is invalid."),
        Info(code: 132, name: "STREAMS_TOPOLOGY_FENCED", retriable: false, message: "The supplied topology epoch is outdated."),
        Info(code: 133, name: "SHARE_SESSION_LIMIT_REACHED", retriable: true, message: "The limit of share sessions has been reached."),
    ]
}
