/// Kafka's `roundrobin` assignor (Java `RoundRobinAssignor`, librdkafka `roundrobin`).
///
/// All partitions of all subscribed topics, sorted by topic then partition, are dealt one at a time
/// to the members in Java's member order, skipping members not subscribed to the partition's topic.
public struct RoundRobinAssignor: PartitionAssignor {
    public let name = "roundrobin"
    public let rebalanceProtocol = RebalanceProtocol.eager
    public init() {}

    public func assign(partitionCounts: [String: Int32], members: [MemberSubscription]) -> [String: [TopicPartition]] {
        var assignment = emptyAssignment(members)
        let ordered = members.sorted(by: MemberSubscription.javaOrder)
        guard !ordered.isEmpty else { return assignment }
        var next = 0
        for (topic, count) in partitionCounts.sorted(by: { $0.key < $1.key }) {
            guard ordered.contains(where: { $0.topics.contains(topic) }) else { continue }
            for partition in 0..<count {
                while !ordered[next].topics.contains(topic) { next = (next + 1) % ordered.count }
                assignment[ordered[next].memberID, default: []].append(TopicPartition(topic: topic, partition: partition))
                next = (next + 1) % ordered.count
            }
        }
        return assignment
    }
}
