import PetrelProtocol

/// The coordinator's view of the classic group APIs, independent of wire versions.
///
/// Handlers translate Kafka's JoinGroup/SyncGroup/Heartbeat/LeaveGroup messages to these and back; timeouts
/// become `Duration`s and absent optional fields become `nil`.

/// Identifies one in-flight request so a later action can answer it (join and sync responses are deferred).
public struct RequestID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "#\(rawValue)" }
}

/// One entry of a member's protocol list: an assignor name (e.g. "range") and its subscription bytes.
public struct GroupProtocol: Hashable, Sendable {
    public var name: String
    public var metadata: [UInt8]
    public init(name: String, metadata: [UInt8]) {
        self.name = name
        self.metadata = metadata
    }
}

public struct JoinGroupParameters: Hashable, Sendable {
    public var groupID: String
    /// Empty on a member's first join.
    public var memberID: String
    /// `group.instance.id` of a static member (KIP-345), nil for dynamic members.
    public var groupInstanceID: String?
    public var clientID: String
    public var clientHost: String
    public var sessionTimeout: Duration
    public var rebalanceTimeout: Duration
    public var protocolType: String
    public var protocols: [GroupProtocol]
    /// JoinGroup v4+: a dynamic member without an id gets MEMBER_ID_REQUIRED and an id to rejoin with (KIP-394).
    public var requireKnownMemberID: Bool
    /// JoinGroup v9+: the client understands `skipAssignment` (a restarted static leader of a Stable group).
    public var supportsSkippingAssignment: Bool

    public init(
        groupID: String, memberID: String = "", groupInstanceID: String? = nil, clientID: String,
        clientHost: String, sessionTimeout: Duration, rebalanceTimeout: Duration, protocolType: String,
        protocols: [GroupProtocol], requireKnownMemberID: Bool = true, supportsSkippingAssignment: Bool = false
    ) {
        self.groupID = groupID
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.clientID = clientID
        self.clientHost = clientHost
        self.sessionTimeout = sessionTimeout
        self.rebalanceTimeout = rebalanceTimeout
        self.protocolType = protocolType
        self.protocols = protocols
        self.requireKnownMemberID = requireKnownMemberID
        self.supportsSkippingAssignment = supportsSkippingAssignment
    }
}

public struct JoinGroupResult: Hashable, Sendable {
    public struct Member: Hashable, Sendable {
        public var memberID: String
        public var groupInstanceID: String?
        public var metadata: [UInt8]
        public init(memberID: String, groupInstanceID: String?, metadata: [UInt8]) {
            self.memberID = memberID
            self.groupInstanceID = groupInstanceID
            self.metadata = metadata
        }
    }

    public var errorCode: KafkaErrorCode
    public var generationID: Int32
    public var protocolType: String?
    public var protocolName: String?
    public var leader: String
    /// The leader must not run the assignor: it rejoined a Stable group whose assignment stands (v9+).
    public var skipAssignment: Bool
    /// The member's id: the assigned one on success and with MEMBER_ID_REQUIRED, else the one it sent.
    public var memberID: String
    /// Every member's metadata for the chosen protocol; filled only in the leader's response.
    public var members: [Member]

    public init(
        errorCode: KafkaErrorCode = .none, generationID: Int32, protocolType: String?, protocolName: String?,
        leader: String, skipAssignment: Bool = false, memberID: String, members: [Member] = []
    ) {
        self.errorCode = errorCode
        self.generationID = generationID
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.leader = leader
        self.skipAssignment = skipAssignment
        self.memberID = memberID
        self.members = members
    }

    public static func failure(_ errorCode: KafkaErrorCode, memberID: String) -> JoinGroupResult {
        JoinGroupResult(
            errorCode: errorCode, generationID: -1, protocolType: nil, protocolName: nil, leader: "",
            memberID: memberID)
    }
}

public struct SyncGroupParameters: Hashable, Sendable {
    public struct Assignment: Hashable, Sendable {
        public var memberID: String
        public var assignment: [UInt8]
        public init(memberID: String, assignment: [UInt8]) {
            self.memberID = memberID
            self.assignment = assignment
        }
    }

    public var groupID: String
    public var generationID: Int32
    public var memberID: String
    public var groupInstanceID: String?
    /// SyncGroup v5+; checked against the group's when present.
    public var protocolType: String?
    public var protocolName: String?
    /// Sent by the leader only; members it leaves out get an empty assignment.
    public var assignments: [Assignment]

    public init(
        groupID: String, generationID: Int32, memberID: String, groupInstanceID: String? = nil,
        protocolType: String? = nil, protocolName: String? = nil, assignments: [Assignment] = []
    ) {
        self.groupID = groupID
        self.generationID = generationID
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.assignments = assignments
    }
}

public struct SyncGroupResult: Hashable, Sendable {
    public var errorCode: KafkaErrorCode
    public var protocolType: String?
    public var protocolName: String?
    public var assignment: [UInt8]

    public init(errorCode: KafkaErrorCode = .none, protocolType: String?, protocolName: String?, assignment: [UInt8]) {
        self.errorCode = errorCode
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.assignment = assignment
    }

    public static func failure(_ errorCode: KafkaErrorCode) -> SyncGroupResult {
        SyncGroupResult(errorCode: errorCode, protocolType: nil, protocolName: nil, assignment: [])
    }
}

public struct HeartbeatParameters: Hashable, Sendable {
    public var groupID: String
    public var generationID: Int32
    public var memberID: String
    public var groupInstanceID: String?

    public init(groupID: String, generationID: Int32, memberID: String, groupInstanceID: String? = nil) {
        self.groupID = groupID
        self.generationID = generationID
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
    }
}

/// One member of a LeaveGroup request; v3+ batches them, and a static member may leave by instance id alone.
public struct LeavingMember: Hashable, Sendable {
    public var memberID: String
    public var groupInstanceID: String?
    public init(memberID: String, groupInstanceID: String? = nil) {
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
    }
}

public struct LeaveGroupResult: Hashable, Sendable {
    public struct Member: Hashable, Sendable {
        public var memberID: String
        public var groupInstanceID: String?
        public var errorCode: KafkaErrorCode
        public init(memberID: String, groupInstanceID: String?, errorCode: KafkaErrorCode) {
            self.memberID = memberID
            self.groupInstanceID = groupInstanceID
            self.errorCode = errorCode
        }
    }

    /// Top-level error; v0-2 responses carry only this, so handlers fold a single member's error into it.
    public var errorCode: KafkaErrorCode
    public var members: [Member]

    public init(errorCode: KafkaErrorCode = .none, members: [Member]) {
        self.errorCode = errorCode
        self.members = members
    }
}
