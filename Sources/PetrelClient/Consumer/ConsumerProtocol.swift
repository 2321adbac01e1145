import NIOCore
import PetrelProtocol

/// The consumer protocol's JoinGroup metadata and SyncGroup assignment bytes: an int16 version, then
/// the body of `ConsumerProtocolSubscription` / `ConsumerProtocolAssignment` at that version, as the
/// Java client's `ConsumerProtocol` writes them (and librdkafka reads and writes them).
///
/// A newer version than this build knows is read with the newest known layout: later versions only
/// append fields, which is the Java client's forward-compatibility rule too.
public enum ConsumerProtocol {
    /// The version written (3: owned partitions, generation, rack).
    static var subscriptionVersion: Int16 { ConsumerProtocolSubscription.versions.upperBound }
    static var assignmentVersion: Int16 { ConsumerProtocolAssignment.versions.upperBound }

    public static func encodeSubscription(
        topics: [String], ownedPartitions: [TopicPartition], generationID: Int32, rackID: String?, userData: [UInt8]?
    ) throws(KafkaClientError) -> [UInt8] {
        var subscription = ConsumerProtocolSubscription()
        subscription.topics = topics.sorted()
        subscription.userData = userData
        subscription.ownedPartitions = grouped(ownedPartitions).map { topic, partitions in
            var entry = ConsumerProtocolSubscription.TopicPartition()
            entry.topic = topic
            entry.partitions = partitions
            return entry
        }
        subscription.generationID = generationID
        subscription.rackID = rackID
        return try encode(subscription, version: subscriptionVersion)
    }

    /// The member's subscription, with the generation taken from the v2+ field or, for older
    /// subscriptions, from the 4-byte user data the Java cooperative-sticky assignor writes.
    public static func decodeSubscription(_ bytes: [UInt8], memberID: String, groupInstanceID: String?)
        throws(KafkaClientError) -> MemberSubscription
    {
        let (subscription, _) = try decode(ConsumerProtocolSubscription.self, bytes, what: "subscription of \(memberID)")
        var generation = subscription.generationID
        if generation < 0, let userData = subscription.userData, userData.count == 4 {
            generation = userData.reduce(Int32(0)) { $0 << 8 | Int32($1) }
        }
        let owned = subscription.ownedPartitions.flatMap { entry in
            entry.partitions.map { TopicPartition(topic: entry.topic, partition: $0) }
        }
        return MemberSubscription(
            memberID: memberID, groupInstanceID: groupInstanceID, topics: subscription.topics, ownedPartitions: owned,
            generationID: generation, rackID: subscription.rackID)
    }

    public static func encodeAssignment(_ partitions: [TopicPartition], userData: [UInt8]? = nil) throws(KafkaClientError) -> [UInt8] {
        var assignment = ConsumerProtocolAssignment()
        assignment.assignedPartitions = grouped(partitions).map { topic, partitions in
            var entry = ConsumerProtocolAssignment.TopicPartition()
            entry.topic = topic
            entry.partitions = partitions
            return entry
        }
        assignment.userData = userData
        return try encode(assignment, version: assignmentVersion)
    }

    /// The assigned partitions; empty bytes (what some clients send a member with nothing) mean none.
    public static func decodeAssignment(_ bytes: [UInt8]) throws(KafkaClientError) -> [TopicPartition] {
        guard !bytes.isEmpty else { return [] }
        let (assignment, _) = try decode(ConsumerProtocolAssignment.self, bytes, what: "assignment")
        return assignment.assignedPartitions.flatMap { entry in
            entry.partitions.map { TopicPartition(topic: entry.topic, partition: $0) }
        }.sorted()
    }

    /// The cooperative-sticky user data: the generation as a big-endian int32 (Java's format).
    static func generationUserData(_ generation: Int32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: generation >> (24 - 8 * $0)) }
    }

    private static func grouped(_ partitions: [TopicPartition]) -> [(String, [Int32])] {
        Dictionary(grouping: partitions, by: \.topic).map { ($0.key, $0.value.map(\.partition).sorted()) }
            .sorted { $0.0 < $1.0 }
    }

    private static func encode(_ message: some KafkaMessage, version: Int16) throws(KafkaClientError) -> [UInt8] {
        var writer = KafkaWriter()
        writer.writeInt16(version)
        do {
            try message.encode(into: &writer, version: version)
        } catch {
            throw .invalidArgument("consumer protocol encoding: \(error)")
        }
        return Array(writer.buffer.readableBytesView)
    }

    private static func decode<Message: KafkaMessage>(_: Message.Type, _ bytes: [UInt8], what: String)
        throws(KafkaClientError) -> (Message, Int16)
    {
        var reader = KafkaReader(buffer: ByteBuffer(bytes: bytes))
        do {
            let version = try reader.readInt16("Version")
            guard version >= 0 else { throw KafkaClientError.protocolError("\(what) has version \(version)") }
            let readable = min(version, Message.versions.upperBound)
            return (try Message(from: &reader, version: readable), version)
        } catch let error as KafkaClientError {
            throw error
        } catch {
            throw .protocolError("\(what): \(error)")
        }
    }
}
