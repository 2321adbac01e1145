import NIOCore
import PetrelProtocol

/// `__consumer_offsets` bytes ↔ `CoordinatorRecord`, with Kafka's generated record types.
///
/// Versions written are Kafka's: key 1 (`OffsetCommitKey`) and 2 (`GroupMetadataKey`); `OffsetCommitValue`
/// 3, or 1 when the commit carries an expire timestamp (the only version with that field);
/// `GroupMetadataValue` 3. Any version the specs define is read.
extension CoordinatorRecord {
    static let offsetCommitKeyVersion: Int16 = 1
    static let groupMetadataKeyVersion: Int16 = 2

    public func encoded() throws(KafkaCodecError) -> CoordinatorRecordBytes {
        switch self {
        case .offsetCommit(let groupID, let topic, let partition, let committed):
            var key = OffsetCommitKey()
            key.group = groupID
            key.topic = topic
            key.partition = partition
            let value = try committed.map { committed throws(KafkaCodecError) in
                var value = OffsetCommitValue()
                value.offset = committed.offset
                value.leaderEpoch = committed.leaderEpoch ?? -1
                value.metadata = committed.metadata
                value.commitTimestamp = committed.commitTimestamp.millisecondsSinceEpoch
                value.expireTimestamp = committed.expireTimestamp?.millisecondsSinceEpoch ?? -1
                return try Self.prefixed(value, version: committed.expireTimestamp == nil ? 3 : 1)
            }
            return CoordinatorRecordBytes(
                key: try Self.prefixed(key, version: Self.offsetCommitKeyVersion), value: value)
        case .groupMetadata(let groupID, let snapshot):
            var key = GroupMetadataKey()
            key.group = groupID
            let value = try snapshot.map { snapshot throws(KafkaCodecError) in
                try Self.prefixed(GroupMetadataValue(snapshot), version: 3)
            }
            return CoordinatorRecordBytes(
                key: try Self.prefixed(key, version: Self.groupMetadataKeyVersion), value: value)
        }
    }

    /// Decodes one record; nil for record types of other coordinators sharing the topic (KIP-848 consumer
    /// groups, share groups: key versions 3 and up), which this coordinator does not run.
    public init?(decoding bytes: CoordinatorRecordBytes) throws(KafkaCodecError) {
        var keyReader = KafkaReader(buffer: bytes.key)
        let keyVersion = try keyReader.readInt16("keyVersion")
        var valueReader = bytes.value.map { KafkaReader(buffer: $0) }
        let valueVersion = try valueReader?.readInt16("valueVersion")
        switch keyVersion {
        case 0, 1:
            let key = try OffsetCommitKey(from: &keyReader, version: keyVersion)
            var committed: CommittedOffset?
            if var reader = valueReader, let valueVersion {
                let value = try OffsetCommitValue(from: &reader, version: valueVersion)
                committed = CommittedOffset(
                    offset: value.offset, leaderEpoch: value.leaderEpoch >= 0 ? value.leaderEpoch : nil,
                    metadata: value.metadata,
                    commitTimestamp: CoordinatorInstant(millisecondsSinceEpoch: value.commitTimestamp),
                    expireTimestamp: value.expireTimestamp >= 0
                        ? CoordinatorInstant(millisecondsSinceEpoch: value.expireTimestamp) : nil)
            }
            self = .offsetCommit(groupID: key.group, topic: key.topic, partition: key.partition, committed)
        case 2:
            let key = try GroupMetadataKey(from: &keyReader, version: keyVersion)
            var snapshot: GroupMetadataSnapshot?
            if var reader = valueReader, let valueVersion {
                snapshot = GroupMetadataSnapshot(try GroupMetadataValue(from: &reader, version: valueVersion))
            }
            self = .groupMetadata(groupID: key.group, snapshot)
        default:
            return nil
        }
    }

    private static func prefixed(_ message: some KafkaMessage, version: Int16) throws(KafkaCodecError) -> ByteBuffer {
        var writer = KafkaWriter()
        writer.writeInt16(version)
        try message.encode(into: &writer, version: version)
        return writer.buffer
    }
}

extension GroupMetadataValue {
    init(_ snapshot: GroupMetadataSnapshot) {
        self.init()
        protocolType = snapshot.protocolType
        generation = snapshot.generationID
        `protocol` = snapshot.protocolName
        leader = snapshot.leader
        currentStateTimestamp = snapshot.currentStateTimestamp?.millisecondsSinceEpoch ?? -1
        members = snapshot.members.map { member in
            var entry = MemberMetadata()
            entry.memberID = member.memberID
            entry.groupInstanceID = member.groupInstanceID
            entry.clientID = member.clientID
            entry.clientHost = member.clientHost
            entry.rebalanceTimeout = Int32(clamping: member.rebalanceTimeout.wholeMilliseconds)
            entry.sessionTimeout = Int32(clamping: member.sessionTimeout.wholeMilliseconds)
            entry.subscription = member.subscription
            entry.assignment = member.assignment
            return entry
        }
    }
}

extension GroupMetadataSnapshot {
    init(_ value: GroupMetadataValue) {
        self.init(
            protocolType: value.protocolType, generationID: value.generation, protocolName: value.protocol,
            leader: value.leader,
            currentStateTimestamp: value.currentStateTimestamp >= 0
                ? CoordinatorInstant(millisecondsSinceEpoch: value.currentStateTimestamp) : nil,
            members: value.members.map { member in
                Member(
                    memberID: member.memberID, groupInstanceID: member.groupInstanceID, clientID: member.clientID,
                    clientHost: member.clientHost,
                    // Version 0 records have no rebalance timeout (-1): Kafka then uses the session timeout.
                    rebalanceTimeout: .milliseconds(
                        member.rebalanceTimeout >= 0 ? member.rebalanceTimeout : member.sessionTimeout),
                    sessionTimeout: .milliseconds(member.sessionTimeout), subscription: member.subscription,
                    assignment: member.assignment)
            })
    }
}
