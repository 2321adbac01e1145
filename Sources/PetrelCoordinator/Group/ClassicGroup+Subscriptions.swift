import NIOCore

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
                let memberTopics = Self.subscriptionTopics(metadata)
            else { return nil }
            topics.formUnion(memberTopics)
        }
        return topics
    }

    /// The leading `Topics` array of `ConsumerProtocolSubscription` (versions 0-3, not flexible): int16
    /// version, int32 count, then int16-length strings. Later fields are not needed here.
    static func subscriptionTopics(_ metadata: [UInt8]) -> [String]? {
        var buffer = ByteBuffer(bytes: metadata)
        guard let version = buffer.readInteger(as: Int16.self), version >= 0,
            let count = buffer.readInteger(as: Int32.self), count >= 0, Int(count) <= buffer.readableBytes / 2
        else { return nil }
        var topics: [String] = []
        topics.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let length = buffer.readInteger(as: Int16.self), length >= 0,
                let topic = buffer.readString(length: Int(length))
            else { return nil }
            topics.append(topic)
        }
        return topics
    }
}
