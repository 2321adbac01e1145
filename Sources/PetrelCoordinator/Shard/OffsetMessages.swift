import PetrelProtocol

/// The coordinator's view of OffsetCommit, OffsetFetch and OffsetDelete, independent of wire versions.

public struct OffsetCommitParameters: Hashable, Sendable {
    public struct Partition: Hashable, Sendable {
        public var partition: Int32
        public var offset: Int64
        /// nil when the client sent -1.
        public var leaderEpoch: Int32?
        /// nil (a null string) is stored as "".
        public var metadata: String?
        public init(partition: Int32, offset: Int64, leaderEpoch: Int32? = nil, metadata: String? = nil) {
            self.partition = partition
            self.offset = offset
            self.leaderEpoch = leaderEpoch
            self.metadata = metadata
        }
    }

    public struct Topic: Hashable, Sendable {
        public var name: String
        public var partitions: [Partition]
        public init(name: String, partitions: [Partition]) {
            self.name = name
            self.partitions = partitions
        }
    }

    public var groupID: String
    /// -1 for commits from outside group management (admin tools, manually assigned consumers).
    public var generationID: Int32
    public var memberID: String
    public var groupInstanceID: String?
    /// OffsetCommit v2-4 `retentionTimeMs` when not -1: these offsets expire this long after the commit.
    public var retentionTime: Duration?
    public var topics: [Topic]

    public init(
        groupID: String, generationID: Int32 = -1, memberID: String = "", groupInstanceID: String? = nil,
        retentionTime: Duration? = nil, topics: [Topic]
    ) {
        self.groupID = groupID
        self.generationID = generationID
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.retentionTime = retentionTime
        self.topics = topics
    }
}

/// Per-partition error codes, in request order; shared by OffsetCommit and OffsetDelete responses.
public struct PartitionErrors: Hashable, Sendable {
    public struct Topic: Hashable, Sendable {
        public var name: String
        public var partitions: [(partition: Int32, errorCode: KafkaErrorCode)]

        public init(name: String, partitions: [(partition: Int32, errorCode: KafkaErrorCode)]) {
            self.name = name
            self.partitions = partitions
        }

        public static func == (lhs: Topic, rhs: Topic) -> Bool {
            lhs.name == rhs.name && lhs.partitions.elementsEqual(rhs.partitions) { $0 == $1 }
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(name)
            for entry in partitions {
                hasher.combine(entry.partition)
                hasher.combine(entry.errorCode)
            }
        }
    }

    /// Top-level error (OffsetDelete); OffsetCommit reports per partition only.
    public var errorCode: KafkaErrorCode
    public var topics: [Topic]

    public init(errorCode: KafkaErrorCode = .none, topics: [Topic]) {
        self.errorCode = errorCode
        self.topics = topics
    }
}

/// A topic and partitions of an OffsetFetch or OffsetDelete request.
public struct TopicPartitions: Hashable, Sendable {
    public var name: String
    public var partitions: [Int32]
    public init(name: String, partitions: [Int32]) {
        self.name = name
        self.partitions = partitions
    }
}

public struct OffsetFetchResult: Hashable, Sendable {
    public struct Partition: Hashable, Sendable {
        public var partition: Int32
        /// -1 when nothing is committed.
        public var offset: Int64
        public var leaderEpoch: Int32?
        public var metadata: String
        public var errorCode: KafkaErrorCode
        public init(
            partition: Int32, offset: Int64, leaderEpoch: Int32?, metadata: String,
            errorCode: KafkaErrorCode = .none
        ) {
            self.partition = partition
            self.offset = offset
            self.leaderEpoch = leaderEpoch
            self.metadata = metadata
            self.errorCode = errorCode
        }
    }

    public struct Topic: Hashable, Sendable {
        public var name: String
        public var partitions: [Partition]
        public init(name: String, partitions: [Partition]) {
            self.name = name
            self.partitions = partitions
        }
    }

    public var groupID: String
    public var errorCode: KafkaErrorCode
    public var topics: [Topic]

    public init(groupID: String, errorCode: KafkaErrorCode = .none, topics: [Topic]) {
        self.groupID = groupID
        self.errorCode = errorCode
        self.topics = topics
    }
}
