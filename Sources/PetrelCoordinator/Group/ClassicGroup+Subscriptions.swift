import NIOCore
import PetrelProtocol

extension ClassicGroup {
    /// The protocol type of Kafka consumers; only its subscriptions are understood by the coordinator.
    static let consumerProtocolType = "consumer"

    /// Topics the members subscribe to, read from their `ConsumerProtocolSubscription` for the selected
    /// protocol; nil when the group is not a consumer group or any subscription cannot be read (then the
    /// coordinator cannot tell, and Kafka's rules treat no topic as subscribed).
    var subscribedTopics: Set<String>? {
        guard protocolType == Self.consumerProtocolType, let protocolName else { return nil }
        var topics: Set<String> = []
        for member in members {
            guard let metadata = member.metadata(for: protocolName),
                let subscription = try? Self.decodeSubscription(metadata)
            else { return nil }
            topics.formUnion(subscription.topics)
        }
        return topics
    }

    /// Consumer protocol metadata is an int16 version followed by the subscription at that version.
    /// Versions newer than the spec's are read as the newest known one (Kafka's rule for this schema: later
    /// versions only append fields).
    private static func decodeSubscription(_ metadata: [UInt8]) throws(KafkaCodecError)
        -> ConsumerProtocolSubscription
    {
        var reader = KafkaReader(buffer: ByteBuffer(bytes: metadata))
        let version = try reader.readInt16("version")
        let known = ConsumerProtocolSubscription.versions
        return try ConsumerProtocolSubscription(
            from: &reader, version: min(max(version, known.lowerBound), known.upperBound))
    }
}
