/// Kafka's `cooperative-sticky` assignor (KIP-429; Java `CooperativeStickyAssignor`, librdkafka
/// `cooperative-sticky`).
///
/// Goals, in order: every subscribed partition is assigned; members end balanced (counts differ by at
/// most one among members that could take each other's partitions); as few partitions as possible move.
/// A member keeps the partitions it owns (from the subscription's `ownedPartitions`) unless balance
/// needs them elsewhere. A partition that moves to a new member is withheld from the new owner in this
/// round: the old owner revokes it, rejoins, and the follow-up rebalance hands it over, so no partition
/// is ever consumed by two members at once.
public struct CooperativeStickyAssignor: PartitionAssignor {
    public let name = "cooperative-sticky"
    public let rebalanceProtocol = RebalanceProtocol.cooperative
    public init() {}

    public func assign(partitionCounts: [String: Int32], members: [MemberSubscription]) -> [String: [TopicPartition]] {
        let ordered = members.sorted(by: MemberSubscription.javaOrder)
        let owners = validOwners(partitionCounts: partitionCounts, members: ordered)
        var assignment = emptyAssignment(ordered)
        for (partition, owner) in owners.sorted(by: { $0.key < $1.key }) { assignment[owner, default: []].append(partition) }

        // Hand out unowned partitions, each to the eligible member holding the fewest.
        let subscribers = Dictionary(grouping: ordered.flatMap { m in m.topics.map { ($0, m.memberID) } }, by: \.0)
            .mapValues { $0.map(\.1) }
        for (topic, count) in partitionCounts.sorted(by: { $0.key < $1.key }) {
            guard let eligible = subscribers[topic] else { continue }
            for p in 0..<count where owners[TopicPartition(topic: topic, partition: p)] == nil {
                let target = eligible.min { (assignment[$0]?.count ?? 0) < (assignment[$1]?.count ?? 0) }
                if let target { assignment[target, default: []].append(TopicPartition(topic: topic, partition: p)) }
            }
        }
        rebalance(&assignment, subscribers: subscribers, order: ordered.map(\.memberID))

        // Withhold partitions that changed owner: the previous owner must revoke them first.
        for member in ordered {
            assignment[member.memberID]?.removeAll { partition in
                owners[partition].map { $0 != member.memberID } ?? false
            }
            assignment[member.memberID]?.sort()
        }
        return assignment
    }

    /// The owner of each partition that is still valid: the topic exists with that partition, the owner
    /// still subscribes to it, and no member of a newer generation claims it. Two claims from the same
    /// generation cancel out (the partition is treated as unowned), as in Java's sticky assignor.
    private func validOwners(partitionCounts: [String: Int32], members: [MemberSubscription]) -> [TopicPartition: String] {
        var claims: [TopicPartition: (member: String, generation: Int32, contested: Bool)] = [:]
        for member in members {
            for partition in member.ownedPartitions {
                guard let count = partitionCounts[partition.topic], partition.partition >= 0, partition.partition < count,
                    member.topics.contains(partition.topic)
                else { continue }
                if let existing = claims[partition] {
                    if member.generationID > existing.generation {
                        claims[partition] = (member.memberID, member.generationID, false)
                    } else if member.generationID == existing.generation {
                        claims[partition]?.contested = true
                    }
                } else {
                    claims[partition] = (member.memberID, member.generationID, false)
                }
            }
        }
        return claims.compactMapValues { $0.contested ? nil : $0.member }
    }

    /// Moves partitions from the most loaded members to eligible members holding at least two fewer,
    /// until no such move exists. Each move lowers the sum of squared counts, so the loop ends.
    private func rebalance(_ assignment: inout [String: [TopicPartition]], subscribers: [String: [String]], order: [String]) {
        var moved = true
        while moved {
            moved = false
            let byLoad = order.sorted { (assignment[$0]?.count ?? 0) > (assignment[$1]?.count ?? 0) }
            search: for donor in byLoad {
                let donorCount = assignment[donor]?.count ?? 0
                // Give away the most recently added partitions first: owned ones sit at the front.
                for (index, partition) in (assignment[donor] ?? []).enumerated().reversed() {
                    let receiver = (subscribers[partition.topic] ?? [])
                        .filter { (assignment[$0]?.count ?? 0) + 1 < donorCount }
                        .min { (assignment[$0]?.count ?? 0) < (assignment[$1]?.count ?? 0) }
                    if let receiver {
                        assignment[donor]?.remove(at: index)
                        assignment[receiver, default: []].append(partition)
                        moved = true
                        break search
                    }
                }
            }
        }
    }
}
