/// How members give up partitions during a rebalance (KIP-429).
public enum RebalanceProtocol: Sendable {
    /// Every member revokes everything before joining (range, roundrobin).
    case eager
    /// Members keep what they own; only partitions that move are revoked, in a follow-up rebalance.
    case cooperative
}

/// What one member told the group leader in its JoinGroup metadata (the consumer protocol
/// subscription, decoded). Plain values so the assignors are pure functions testable without a broker.
public struct MemberSubscription: Hashable, Sendable {
    public var memberID: String
    /// Static membership id (`group.instance.id`); orders members before their member id, as in Java.
    public var groupInstanceID: String?
    public var topics: [String]
    /// Partitions the member owned when it joined (subscription v1+); cooperative assignors keep them.
    public var ownedPartitions: [TopicPartition]
    /// The generation in which `ownedPartitions` were assigned; -1 when unknown.
    public var generationID: Int32
    public var rackID: String?

    public init(
        memberID: String, groupInstanceID: String? = nil, topics: [String], ownedPartitions: [TopicPartition] = [],
        generationID: Int32 = -1, rackID: String? = nil
    ) {
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.topics = topics
        self.ownedPartitions = ownedPartitions
        self.generationID = generationID
        self.rackID = rackID
    }

    /// Java's `MemberInfo` order: members with a group instance id first (by that id), then by member id.
    static func javaOrder(_ lhs: MemberSubscription, _ rhs: MemberSubscription) -> Bool {
        switch (lhs.groupInstanceID, rhs.groupInstanceID) {
        case let (l?, r?): l == r ? lhs.memberID < rhs.memberID : l < r
        case (.some, nil): true
        case (nil, .some): false
        case (nil, nil): lhs.memberID < rhs.memberID
        }
    }
}

/// A client-side partition assignor: run by the group leader over every member's subscription.
///
/// `name` is the protocol name sent in JoinGroup; the names are the Java client's and librdkafka's, so
/// Petrel consumers and theirs can share a group and agree on the assignor.
public protocol PartitionAssignor: Sendable {
    var name: String { get }
    var rebalanceProtocol: RebalanceProtocol { get }
    /// The partitions of each member (every member appears, possibly with none).
    /// `partitionCounts` holds the partition count of each subscribed topic that exists.
    func assign(partitionCounts: [String: Int32], members: [MemberSubscription]) -> [String: [TopicPartition]]
}

extension PartitionAssignor {
    /// An empty assignment for every member: the starting point of each assignor.
    func emptyAssignment(_ members: [MemberSubscription]) -> [String: [TopicPartition]] {
        Dictionary(uniqueKeysWithValues: members.map { ($0.memberID, [TopicPartition]()) })
    }
}

/// Looks an assignor up by its protocol name (`partition.assignment.strategy` values).
public enum PartitionAssignors {
    public static func named(_ name: String) -> (any PartitionAssignor)? {
        switch name {
        case RangeAssignor().name: RangeAssignor()
        case RoundRobinAssignor().name: RoundRobinAssignor()
        case CooperativeStickyAssignor().name: CooperativeStickyAssignor()
        default: nil
        }
    }
}
