/// A record of the `__consumer_offsets` topic, decoded.
///
/// On the log each record's key starts with an int16 key version that says which schema follows:
/// 0 and 1 are `OffsetCommitKey` (group, topic, partition), 2 is `GroupMetadataKey` (group). The value starts
/// with its own int16 version. A null value is a tombstone: compaction then drops the key.
public enum CoordinatorRecord: Hashable, Sendable {
    /// A committed offset, or its removal (offset expiry, OffsetDelete, DeleteGroups) when `nil`.
    case offsetCommit(groupID: String, topic: String, partition: Int32, CommittedOffset?)
    /// A classic group's persisted image, or its removal when `nil`.
    case groupMetadata(groupID: String, GroupMetadataSnapshot?)

    public var groupID: String {
        switch self {
        case .offsetCommit(let groupID, _, _, _), .groupMetadata(let groupID, _): groupID
        }
    }
}

/// `OffsetCommitValue`: what a consumer committed for one partition.
public struct CommittedOffset: Hashable, Sendable {
    public var offset: Int64
    /// The leader epoch of the committed offset's record, nil when the client sent -1.
    public var leaderEpoch: Int32?
    public var metadata: String
    public var commitTimestamp: CoordinatorInstant
    /// Only set by OffsetCommit v2-4 with an explicit `retentionTimeMs` (value version 1).
    public var expireTimestamp: CoordinatorInstant?

    public init(
        offset: Int64, leaderEpoch: Int32? = nil, metadata: String = "", commitTimestamp: CoordinatorInstant,
        expireTimestamp: CoordinatorInstant? = nil
    ) {
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
        self.commitTimestamp = commitTimestamp
        self.expireTimestamp = expireTimestamp
    }
}

/// `GroupMetadataValue`: a classic group as persisted when a generation completes (Stable or Empty).
///
/// Only the selected protocol's metadata survives (`subscription`); a loaded group with members is Stable.
public struct GroupMetadataSnapshot: Hashable, Sendable {
    public struct Member: Hashable, Sendable {
        public var memberID: String
        public var groupInstanceID: String?
        public var clientID: String
        public var clientHost: String
        public var rebalanceTimeout: Duration
        public var sessionTimeout: Duration
        public var subscription: [UInt8]
        public var assignment: [UInt8]

        public init(
            memberID: String, groupInstanceID: String?, clientID: String, clientHost: String,
            rebalanceTimeout: Duration, sessionTimeout: Duration, subscription: [UInt8], assignment: [UInt8]
        ) {
            self.memberID = memberID
            self.groupInstanceID = groupInstanceID
            self.clientID = clientID
            self.clientHost = clientHost
            self.rebalanceTimeout = rebalanceTimeout
            self.sessionTimeout = sessionTimeout
            self.subscription = subscription
            self.assignment = assignment
        }
    }

    /// Empty for a group that never had members with a protocol type.
    public var protocolType: String
    public var generationID: Int32
    public var protocolName: String?
    public var leader: String?
    public var currentStateTimestamp: CoordinatorInstant?
    public var members: [Member]

    public init(
        protocolType: String, generationID: Int32, protocolName: String?, leader: String?,
        currentStateTimestamp: CoordinatorInstant?, members: [Member]
    ) {
        self.protocolType = protocolType
        self.generationID = generationID
        self.protocolName = protocolName
        self.leader = leader
        self.currentStateTimestamp = currentStateTimestamp
        self.members = members
    }
}
