import Testing

@testable import PetrelClient

private func tp(_ topic: String, _ partition: Int32) -> TopicPartition {
    TopicPartition(topic: topic, partition: partition)
}

/// The examples in Kafka's own assignor documentation (two consumers, two three-partition topics).
@Suite struct RangeAndRoundRobinAssignorTests {
    let members = [
        MemberSubscription(memberID: "c1", topics: ["t0", "t1"]),
        MemberSubscription(memberID: "c0", topics: ["t0", "t1"]),
    ]

    @Test func rangeGivesContiguousRangesPerTopicExtraToTheFirstMembers() {
        let result = RangeAssignor().assign(partitionCounts: ["t0": 3, "t1": 3], members: members)
        #expect(result["c0"] == [tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1)])
        #expect(result["c1"] == [tp("t0", 2), tp("t1", 2)])
    }

    @Test func roundRobinDealsAllPartitionsInTopicOrder() {
        let result = RoundRobinAssignor().assign(partitionCounts: ["t0": 3, "t1": 3], members: members)
        #expect(result["c0"] == [tp("t0", 0), tp("t0", 2), tp("t1", 1)])
        #expect(result["c1"] == [tp("t0", 1), tp("t1", 0), tp("t1", 2)])
    }

    @Test func roundRobinSkipsMembersNotSubscribedToTheTopic() {
        let mixed = [
            MemberSubscription(memberID: "a", topics: ["t0"]),
            MemberSubscription(memberID: "b", topics: ["t0", "t1"]),
        ]
        let result = RoundRobinAssignor().assign(partitionCounts: ["t0": 2, "t1": 2], members: mixed)
        #expect(result["a"] == [tp("t0", 0)])
        #expect(result["b"] == [tp("t0", 1), tp("t1", 0), tp("t1", 1)])
    }

    @Test func staticMembersOrderBeforeDynamicOnes() {
        let withStatic = [
            MemberSubscription(memberID: "a", topics: ["t"]),
            MemberSubscription(memberID: "z", groupInstanceID: "instance-1", topics: ["t"]),
        ]
        let result = RangeAssignor().assign(partitionCounts: ["t": 3], members: withStatic)
        #expect(result["z"] == [tp("t", 0), tp("t", 1)])
        #expect(result["a"] == [tp("t", 2)])
    }

    @Test func membersWithoutTopicsStillAppearWithNoPartitions() {
        let result = RangeAssignor().assign(
            partitionCounts: ["t": 2], members: [MemberSubscription(memberID: "a", topics: ["missing"])])
        #expect(result == ["a": []])
    }

    @Test func assignorsAreFoundByTheirProtocolName() {
        #expect(PartitionAssignors.named("range")?.rebalanceProtocol == .eager)
        #expect(PartitionAssignors.named("roundrobin")?.rebalanceProtocol == .eager)
        #expect(PartitionAssignors.named("cooperative-sticky")?.rebalanceProtocol == .cooperative)
        #expect(PartitionAssignors.named("sticky-ish") == nil)
    }
}

@Suite struct CooperativeStickyAssignorTests {
    let assignor = CooperativeStickyAssignor()

    @Test func freshGroupIsFullyAssignedAndBalanced() {
        let members = ["a", "b", "c"].map { MemberSubscription(memberID: $0, topics: ["t"]) }
        let result = assignor.assign(partitionCounts: ["t": 7], members: members)
        let all = result.values.flatMap { $0 }
        #expect(all.sorted() == (0..<7).map { tp("t", $0) })
        #expect(result.values.map(\.count).sorted() == [2, 2, 3])
    }

    @Test func ownersKeepTheirPartitionsWhenNothingChanges() {
        let members = [
            MemberSubscription(memberID: "a", topics: ["t"], ownedPartitions: [tp("t", 1), tp("t", 3)], generationID: 4),
            MemberSubscription(memberID: "b", topics: ["t"], ownedPartitions: [tp("t", 0), tp("t", 2)], generationID: 4),
        ]
        let result = assignor.assign(partitionCounts: ["t": 4], members: members)
        #expect(result["a"] == [tp("t", 1), tp("t", 3)])
        #expect(result["b"] == [tp("t", 0), tp("t", 2)])
    }

    /// A new member joins: in the first round the partitions it will take are withheld (their owners
    /// revoke them); in the follow-up round, with the owners reporting what they kept, it gets them.
    @Test func newMemberReceivesPartitionsOnlyAfterOwnersRevoke() {
        var members = [
            MemberSubscription(memberID: "a", topics: ["t"], ownedPartitions: (0..<3).map { tp("t", $0) }, generationID: 1),
            MemberSubscription(memberID: "b", topics: ["t"], ownedPartitions: (3..<6).map { tp("t", $0) }, generationID: 1),
            MemberSubscription(memberID: "c", topics: ["t"]),
        ]
        let first = assignor.assign(partitionCounts: ["t": 6], members: members)
        #expect(first["c"] == [])
        #expect(first["a"]!.count == 2)
        #expect(first["b"]!.count == 2)
        #expect(Set(first["a"]!).isSubset(of: Set(members[0].ownedPartitions)))

        members[0].ownedPartitions = first["a"]!
        members[1].ownedPartitions = first["b"]!
        members[0].generationID = 2
        members[1].generationID = 2
        let second = assignor.assign(partitionCounts: ["t": 6], members: members)
        #expect(second["a"] == first["a"])
        #expect(second["b"] == first["b"])
        #expect(second["c"]!.count == 2)
        #expect(Set(second.values.flatMap { $0 }).count == 6)
    }

    @Test func departedMembersPartitionsGoToTheRemainingOnes() {
        let members = [
            MemberSubscription(memberID: "a", topics: ["t"], ownedPartitions: [tp("t", 0), tp("t", 1)], generationID: 3)
        ]
        let result = assignor.assign(partitionCounts: ["t": 4], members: members)
        #expect(result["a"] == (0..<4).map { tp("t", $0) })
    }

    @Test func claimsFromAnOlderGenerationLoseToNewerOnes() {
        let members = [
            MemberSubscription(memberID: "a", topics: ["t"], ownedPartitions: [tp("t", 0)], generationID: 5),
            MemberSubscription(memberID: "b", topics: ["t"], ownedPartitions: [tp("t", 0), tp("t", 1)], generationID: 4),
        ]
        let result = assignor.assign(partitionCounts: ["t": 2], members: members)
        #expect(result["a"] == [tp("t", 0)])
        #expect(result["b"] == [tp("t", 1)])
    }

    @Test func ownedPartitionsOfUnsubscribedOrDeletedTopicsAreDropped() {
        let members = [
            MemberSubscription(
                memberID: "a", topics: ["t"], ownedPartitions: [tp("gone", 0), tp("t", 9), tp("t", 0)], generationID: 1)
        ]
        let result = assignor.assign(partitionCounts: ["t": 2], members: members)
        #expect(result["a"] == [tp("t", 0), tp("t", 1)])
    }

    @Test func heterogeneousSubscriptionsOnlyReceiveTheirTopics() {
        let members = [
            MemberSubscription(memberID: "a", topics: ["x"]),
            MemberSubscription(memberID: "b", topics: ["x", "y"]),
        ]
        let result = assignor.assign(partitionCounts: ["x": 2, "y": 4], members: members)
        #expect(result["a"]!.allSatisfy { $0.topic == "x" })
        #expect(Set(result.values.flatMap { $0 }).count == 6)
        #expect(result["a"]!.count == 2)
    }
}
