import NIOCore
import PetrelProtocol
import Testing

@testable import PetrelMetadata

@Suite struct TopicControlTests {
    let control = TopicControl(brokers: [1], defaultPartitions: 3, defaultReplicationFactor: 1)
    let empty = MetadataImage(clusterID: "test-cluster")

    private func apply(_ records: [MetadataRecord], to image: MetadataImage) throws -> MetadataImage {
        var image = image
        for (offset, record) in records.enumerated() {
            image = try image.applying(record, offset: image.lastAppliedOffset + 1 + Int64(offset))
        }
        return image
    }

    @Test func createTopicWithDefaultsMakesLeaderAndISROnThisBroker() throws {
        let id = Uuid.random()
        var topic = TopicControl.NewTopic(name: "orders")
        topic.configs = ["retention.ms": "1000"]
        let image = try apply(try control.createTopic(topic, topicID: id, in: empty), to: empty)
        let created = try #require(image.topics["orders"])
        #expect(created.id == id)
        #expect(created.partitions.map(\.partitionID) == [0, 1, 2])
        #expect(created.partitions.allSatisfy { $0.leader == 1 && $0.isr == [1] && $0.leaderEpoch == 0 })
        #expect(image.topic(id: id)?.name == "orders")
        #expect(image.configs(of: ConfigResource(type: .topic, name: "orders")) == ["retention.ms": "1000"])
    }

    @Test(arguments: ["", ".", "..", "has space", "slash/", String(repeating: "a", count: 250), "ünïcode"])
    func illegalNamesAreRefused(name: String) {
        let error = #expect(throws: ControllerError.self) {
            try control.createTopic(TopicControl.NewTopic(name: name), topicID: .random(), in: empty)
        }
        #expect(error?.code == .invalidTopic)
    }

    @Test func legalNameCharactersAndMaximumLengthAreAccepted() throws {
        try TopicControl.validateTopicName("a.B_c-9")
        try TopicControl.validateTopicName(String(repeating: "x", count: 249))
    }

    @Test func duplicateAndCollidingNamesAreRefused() throws {
        let image = try apply(
            try control.createTopic(TopicControl.NewTopic(name: "a.b"), topicID: .random(), in: empty), to: empty)
        let duplicate = #expect(throws: ControllerError.self) {
            try control.createTopic(TopicControl.NewTopic(name: "a.b"), topicID: .random(), in: image)
        }
        #expect(duplicate?.code == .topicAlreadyExists)
        let colliding = #expect(throws: ControllerError.self) {
            try control.createTopic(TopicControl.NewTopic(name: "a_b"), topicID: .random(), in: image)
        }
        #expect(colliding?.code == .invalidTopic)
    }

    @Test func replicationBeyondTheBrokerCountIsRefused() {
        var topic = TopicControl.NewTopic(name: "t")
        topic.replicationFactor = 3
        let error = #expect(throws: ControllerError.self) { try control.createTopic(topic, topicID: .random(), in: empty) }
        #expect(error?.code == .invalidReplicationFactor)
    }

    @Test func explicitAssignmentsAreCheckedAndUsed() throws {
        var topic = TopicControl.NewTopic(name: "t")
        topic.assignments = [[1], [1]]
        let image = try apply(try control.createTopic(topic, topicID: .random(), in: empty), to: empty)
        #expect(image.topics["t"]?.partitions.count == 2)
        topic.assignments = [[7]]
        let unknown = #expect(throws: ControllerError.self) { try control.createTopic(topic, topicID: .random(), in: empty) }
        #expect(unknown?.code == .invalidReplicaAssignment)
        topic.assignments = [[1]]
        topic.numPartitions = 1
        let both = #expect(throws: ControllerError.self) { try control.createTopic(topic, topicID: .random(), in: empty) }
        #expect(both?.code == .invalidRequest)
    }

    @Test func createPartitionsOnlyGrows() throws {
        let image = try apply(
            try control.createTopic(TopicControl.NewTopic(name: "t"), topicID: .random(), in: empty), to: empty)
        let grown = try apply(try control.createPartitions(topic: "t", totalCount: 5, assignments: [], in: image), to: image)
        #expect(grown.topics["t"]?.partitions.map(\.partitionID) == [0, 1, 2, 3, 4])
        let shrink = #expect(throws: ControllerError.self) {
            try control.createPartitions(topic: "t", totalCount: 2, assignments: [], in: grown)
        }
        #expect(shrink?.code == .invalidPartitions)
    }

    @Test func deleteTopicRemovesItsPartitionsAndConfigs() throws {
        var topic = TopicControl.NewTopic(name: "gone")
        topic.configs = ["cleanup.policy": "compact"]
        let image = try apply(try control.createTopic(topic, topicID: .random(), in: empty), to: empty)
        let after = try apply(try control.deleteTopic(named: "gone", in: image), to: image)
        #expect(after.topics.isEmpty)
        #expect(after.topicNames.isEmpty)
        #expect(after.configs(of: ConfigResource(type: .topic, name: "gone")).isEmpty)
        let missing = #expect(throws: ControllerError.self) { try control.deleteTopic(named: "gone", in: after) }
        #expect(missing?.code == .unknownTopicOrPartition)
    }

    @Test func alterConfigsSetsAndRemovesKeys() throws {
        let image = try apply(
            try control.createTopic(TopicControl.NewTopic(name: "t"), topicID: .random(), in: empty), to: empty)
        let resource = ConfigResource(type: .topic, name: "t")
        let set = try apply(try control.alterConfigs([("a", "1"), ("b", "2")], of: resource, in: image), to: image)
        #expect(set.configs(of: resource) == ["a": "1", "b": "2"])
        let removed = try apply(try control.alterConfigs([("a", nil)], of: resource, in: set), to: set)
        #expect(removed.configs(of: resource) == ["b": "2"])
    }

    @Test func producerIDBlocksNeverOverlap() throws {
        let first = try apply([control.allocateProducerIDs(count: 1000, brokerID: 1, in: empty)], to: empty)
        let second = try apply([control.allocateProducerIDs(count: 1000, brokerID: 1, in: first)], to: first)
        #expect(first.nextProducerID == 1000)
        #expect(second.nextProducerID == 2000)
    }

    @Test func recordsRoundTripThroughTheirFraming() throws {
        var topic = TopicControl.NewTopic(name: "framed")
        topic.configs = ["x": "y"]
        let records = try control.createTopic(topic, topicID: .random(), in: empty)
            + [control.allocateProducerIDs(count: 10, brokerID: 1, in: empty)]
        for record in records {
            #expect(try MetadataRecord(decoding: record.encoded()) == record)
        }
    }

    @Test func contradictoryRecordsAreRejected() throws {
        var orphan = PartitionRecord()
        orphan.topicID = .random()
        #expect(throws: MetadataImageError.self) { try empty.applying(.partition(orphan), offset: 0) }
        var remove = RemoveTopicRecord()
        remove.topicID = .random()
        #expect(throws: MetadataImageError.self) { try empty.applying(.removeTopic(remove), offset: 0) }
    }
}
