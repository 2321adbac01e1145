/// Kafka's `range` assignor (Java `RangeAssignor`, librdkafka `range`).
///
/// Per topic, the subscribed members in Java's member order each take a contiguous range of
/// partitions; the first `count % members` members take one extra.
public struct RangeAssignor: PartitionAssignor {
    public let name = "range"
    public let rebalanceProtocol = RebalanceProtocol.eager
    public init() {}

    public func assign(partitionCounts: [String: Int32], members: [MemberSubscription]) -> [String: [TopicPartition]] {
        var assignment = emptyAssignment(members)
        for (topic, count) in partitionCounts.sorted(by: { $0.key < $1.key }) {
            let consumers = members.filter { $0.topics.contains(topic) }.sorted(by: MemberSubscription.javaOrder)
            guard !consumers.isEmpty else { continue }
            let perMember = Int(count) / consumers.count
            let extra = Int(count) % consumers.count
            for (index, member) in consumers.enumerated() {
                let start = index * perMember + min(index, extra)
                let length = perMember + (index < extra ? 1 : 0)
                for partition in start..<(start + length) {
                    assignment[member.memberID, default: []].append(TopicPartition(topic: topic, partition: Int32(partition)))
                }
            }
        }
        return assignment
    }
}
