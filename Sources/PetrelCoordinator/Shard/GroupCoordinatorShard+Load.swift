extension GroupCoordinatorShard {
    /// Loads a shard: reads `partition` from its start through `writer`, replaying every record. The
    /// result is still loading; run `completeLoad(now:)` and its actions to start serving. A record that
    /// cannot be decoded fails the load, as Kafka's loader does, rather than serve a partial state.
    public static func load(
        partition: Int32, config: GroupCoordinatorConfig, memberIDSeed: UInt64,
        from writer: some CoordinatorPartitionWriter
    ) async throws -> GroupCoordinatorShard {
        var shard = GroupCoordinatorShard(partition: partition, config: config, memberIDSeed: memberIDSeed)
        var next: Int64? = 0
        while let offset = next {
            let chunk = try await writer.read(partition: partition, from: offset)
            for bytes in chunk.records {
                if let record = try CoordinatorRecord(decoding: bytes) { shard.replay(record) }
            }
            if let following = chunk.next, following <= offset {
                throw CoordinatorLoadError(partition: partition, offset: offset)
            }
            next = chunk.next
        }
        return shard
    }
}

/// The partition writer's read did not move forward, so loading would never end.
public struct CoordinatorLoadError: Error, Hashable, Sendable {
    public var partition: Int32
    public var offset: Int64
}
