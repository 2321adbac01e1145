import NIOCore
import PetrelProtocol
import Synchronization
import Testing

@testable import PetrelCoordinator

@Suite struct CoordinatorRecordCodecTests {
    static let snapshot = GroupMetadataSnapshot(
        protocolType: "consumer", generationID: 7, protocolName: "range", leader: "m-1",
        currentStateTimestamp: t0,
        members: [
            .init(
                memberID: "m-1", groupInstanceID: "i-1", clientID: "c", clientHost: "/10.0.0.1",
                rebalanceTimeout: .seconds(30), sessionTimeout: .seconds(10), subscription: [0, 1, 2], assignment: [3]),
            .init(
                memberID: "m-2", groupInstanceID: nil, clientID: "c", clientHost: "/10.0.0.2",
                rebalanceTimeout: .seconds(60), sessionTimeout: .seconds(45), subscription: [], assignment: []),
        ])

    static let records: [CoordinatorRecord] = [
        .offsetCommit(
            groupID: "g", topic: "t", partition: 3,
            CommittedOffset(offset: 42, leaderEpoch: 5, metadata: "meta", commitTimestamp: t0)),
        .offsetCommit(
            groupID: "g", topic: "t", partition: 4,
            CommittedOffset(offset: 1, metadata: "", commitTimestamp: t0, expireTimestamp: t0 + 60)),
        .offsetCommit(groupID: "g", topic: "t", partition: 3, nil),
        .groupMetadata(groupID: "g", snapshot),
        .groupMetadata(
            groupID: "empty",
            GroupMetadataSnapshot(
                protocolType: "", generationID: 0, protocolName: nil, leader: nil, currentStateTimestamp: nil,
                members: [])),
        .groupMetadata(groupID: "g", nil),
    ]

    @Test(arguments: records)
    func roundTrip(record: CoordinatorRecord) throws {
        #expect(try CoordinatorRecord(decoding: record.encoded()) == record)
    }

    @Test func offsetCommitUsesKafkasBytes() throws {
        let bytes = try CoordinatorRecord.offsetCommit(
            groupID: "g", topic: "t", partition: 3,
            CommittedOffset(offset: 42, leaderEpoch: 5, metadata: "m", commitTimestamp: t0)
        ).encoded()
        // Key version 1: group, topic as int16-length strings, int32 partition.
        #expect(Array(buffer: bytes.key) == [0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 3])
        // Value version 3: offset, leaderEpoch, metadata, commitTimestamp.
        let ms = withUnsafeBytes(of: t0.millisecondsSinceEpoch.bigEndian, Array.init)
        #expect(
            bytes.value.map { Array(buffer: $0) }
                == [0, 3] + [0, 0, 0, 0, 0, 0, 0, 42] + [0, 0, 0, 5] + [0, 1, 0x6D] + ms)
        // An explicit expiry needs value version 1, the only one with expireTimestamp.
        let expiring = try CoordinatorRecord.offsetCommit(
            groupID: "g", topic: "t", partition: 3,
            CommittedOffset(offset: 42, commitTimestamp: t0, expireTimestamp: t0 + 1)
        ).encoded()
        #expect(expiring.value?.getInteger(at: expiring.value?.readerIndex ?? 0, as: Int16.self) == 1)
    }

    @Test func groupMetadataKeyIsVersionTwo() throws {
        let bytes = try CoordinatorRecord.groupMetadata(groupID: "ab", nil).encoded()
        #expect(Array(buffer: bytes.key) == [0, 2, 0, 2, 0x61, 0x62])
        #expect(bytes.value == nil)
    }

    @Test func olderValueVersionsDecode() throws {
        // GroupMetadataValue v0: no rebalance timeout (the session timeout stands in), no state timestamp.
        var value = GroupMetadataValue(Self.snapshot)
        value.members[0].groupInstanceID = nil
        var writer = KafkaWriter()
        writer.writeInt16(0)
        try value.encode(into: &writer, version: 0)
        let key = try CoordinatorRecord.groupMetadata(groupID: "g", nil).encoded().key
        let decoded = try CoordinatorRecord(decoding: CoordinatorRecordBytes(key: key, value: writer.buffer))
        guard case .groupMetadata(_, let snapshot?) = decoded else {
            Issue.record("not a group record: \(String(describing: decoded))")
            return
        }
        #expect(snapshot.currentStateTimestamp == nil)
        #expect(snapshot.members.map(\.rebalanceTimeout) == [.seconds(10), .seconds(45)])
    }

    @Test func recordsOfOtherCoordinatorsAreSkippedAndGarbageIsAnError() throws {
        var otherKey = ByteBuffer()
        otherKey.writeInteger(Int16(3))  // ConsumerGroupMetadataKey (KIP-848)
        otherKey.writeInteger(Int16(1))
        otherKey.writeString("g")
        #expect(try CoordinatorRecord(decoding: CoordinatorRecordBytes(key: otherKey, value: nil)) == nil)
        #expect(throws: KafkaCodecError.self) {
            try CoordinatorRecord(decoding: CoordinatorRecordBytes(key: ByteBuffer(bytes: [0]), value: nil))
        }
        var truncated = try Self.records[0].encoded()
        truncated.value = truncated.value?.getSlice(at: 0, length: 5)
        #expect(throws: KafkaCodecError.self) { try CoordinatorRecord(decoding: truncated) }
        var badVersion = try Self.records[0].encoded()
        badVersion.value = ByteBuffer(bytes: [0, 99, 0, 0])
        #expect(throws: KafkaCodecError.self) { try CoordinatorRecord(decoding: badVersion) }
    }
}

/// A `__consumer_offsets` partition in memory, served in chunks of `chunkSize` records.
final class InMemoryPartitionWriter: CoordinatorPartitionWriter {
    private let records = Mutex<[CoordinatorRecordBytes]>([])
    let chunkSize: Int
    let stuck: Bool

    init(chunkSize: Int = 2, stuck: Bool = false) {
        self.chunkSize = chunkSize
        self.stuck = stuck
    }

    var log: [CoordinatorRecordBytes] { records.withLock { $0 } }

    func queueAppend(partition: Int32, records appended: [CoordinatorRecordBytes]) throws -> PendingCoordinatorAppend {
        let lastOffset = records.withLock { log in
            log += appended
            return Int64(log.count - 1)
        }
        return PendingCoordinatorAppend { lastOffset }
    }

    func read(partition: Int32, from offset: Int64) async throws -> (records: [CoordinatorRecordBytes], next: Int64?) {
        let log = self.log
        let start = Int(offset)
        let end = min(start + chunkSize, log.count)
        let next: Int64? = end < log.count ? Int64(stuck ? start : end) : nil
        return (Array(log[start..<end]), next)
    }
}

@Suite struct CoordinatorLoadTests {
    @Test func loadingThroughTheWriterRebuildsTheShard() async throws {
        var s = Script()
        let ids = s.stableGroup(["a", "b"])
        _ = s.commit(
            OffsetCommitParameters(
                groupID: "g", generationID: 1, memberID: ids[0],
                topics: [.init(name: "t1", partitions: [.init(partition: 0, offset: 5, metadata: "x")])]))
        let writer = InMemoryPartitionWriter()
        _ = try await writer.queueAppend(partition: 12, records: s.log.map { try $0.encoded() }).lastOffset()
        var loaded = try await GroupCoordinatorShard.load(
            partition: 12, config: Script.config, memberIDSeed: 1, from: writer)
        #expect(loaded.isLoading)
        _ = loaded.completeLoad(now: s.now)
        #expect(loaded.group("g")?.snapshot == s.shard.group("g")?.snapshot)
        #expect(loaded.fetchOffsets(groupID: "g", topics: nil) == s.shard.fetchOffsets(groupID: "g", topics: nil))
    }

    @Test func aReadThatDoesNotAdvanceFailsTheLoad() async throws {
        let writer = InMemoryPartitionWriter(chunkSize: 1, stuck: true)
        let record = try CoordinatorRecord.groupMetadata(groupID: "g", nil).encoded()
        _ = try await writer.queueAppend(partition: 0, records: [record, record]).lastOffset()
        await #expect(throws: CoordinatorLoadError.self) {
            _ = try await GroupCoordinatorShard.load(partition: 0, config: Script.config, memberIDSeed: 1, from: writer)
        }
    }
}
