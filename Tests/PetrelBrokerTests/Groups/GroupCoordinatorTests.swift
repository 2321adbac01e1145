import PetrelProtocol
import Testing

@testable import PetrelBroker

/// The group coordinator wired into the broker: `__consumer_offsets` exists and is internal, FindCoordinator
/// names this broker, and offsets committed through the broker are durable and reloaded after a restart.
@Suite struct GroupCoordinatorTests {
    static let overrides = ["offsets.topic.num.partitions=3"]

    @Test func offsetsTopicIsCreatedCompactedAndFindCoordinatorNamesThisBroker() async throws {
        let broker = try await TestBroker.start(overrides: Self.overrides)
        let (metadata, found) = try await broker.withClient { client in
            var find = FindCoordinatorRequest()
            find.coordinatorKeys = ["a-group", "another"]
            let groups = try await client.roundTrip(find, version: 4)
            find.keyType = 1
            find.coordinatorKeys = ["a-transactional-id"]
            let transactional = try await client.roundTrip(find, version: 4)
            var request = MetadataRequest()
            request.topics = nil
            return (try await client.roundTrip(request, version: 12), groups.coordinators + transactional.coordinators)
        }
        await broker.stop()
        let topic = try #require(metadata.topics.first { $0.name == "__consumer_offsets" })
        #expect(topic.isInternal)
        #expect(topic.partitions.count == 3)
        #expect(found.map(\.errorCode) == [0, 0, KafkaErrorCode.coordinatorNotAvailable.rawValue])
        #expect(found.prefix(2).allSatisfy { $0.nodeID == 1 && $0.port == Int32(broker.port) })
    }

    @Test func committedOffsetsAreReloadedAfterARestart() async throws {
        let broker = try await TestBroker.start(overrides: Self.overrides)
        var commit = OffsetCommitRequest()
        commit.groupID = "restarting"
        var topic = OffsetCommitRequest.OffsetCommitRequestTopic()
        topic.name = "t"
        topic.partitions = (0..<2).map { index in
            var partition = OffsetCommitRequest.OffsetCommitRequestPartition()
            partition.partitionIndex = Int32(index)
            partition.committedOffset = 40 + Int64(index)
            return partition
        }
        commit.topics = [topic]
        let committed = try await broker.withClient { client in
            try await Self.untilLoaded { try await client.roundTrip(commit, version: 8).topics[0].partitions[0].errorCode }
            return try await client.roundTrip(commit, version: 8)
        }
        #expect(committed.topics[0].partitions.map(\.errorCode) == [0, 0])
        await broker.stop(removingData: false)

        let restarted = try await TestBroker.start(directory: broker.directory, overrides: Self.overrides)
        var fetch = OffsetFetchRequest()
        var group = OffsetFetchRequest.OffsetFetchRequestGroup()
        group.groupID = "restarting"
        group.topics = nil
        fetch.groups = [group]
        let fetched = try await restarted.withClient { client in
            try await Self.untilLoaded { try await client.roundTrip(fetch, version: 8).groups[0].errorCode }
            return try await client.roundTrip(fetch, version: 8)
        }
        await restarted.stop()
        let partitions = try #require(fetched.groups.first?.topics.first { $0.name == "t" }?.partitions)
        #expect(partitions.map(\.partitionIndex).sorted() == [0, 1])
        #expect(partitions.sorted { $0.partitionIndex < $1.partitionIndex }.map(\.committedOffset) == [40, 41])
    }

    /// Repeats `request` while the coordinator answers COORDINATOR_LOAD_IN_PROGRESS (shards load in the background).
    private static func untilLoaded(_ request: () async throws -> Int16) async throws {
        while try await request() == KafkaErrorCode.coordinatorLoadInProgress.rawValue {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
