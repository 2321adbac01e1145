/// Chooses the partition of a record whose caller did not name one.
///
/// Keyed records go where the Java client's default partitioner (and librdkafka's `murmur2_random`)
/// puts them: `toPositive(murmur2(key)) % partitionCount`, so producers in any language agree.
/// Unkeyed records use the sticky strategy of KIP-480/KIP-794: every unkeyed record of a topic goes to
/// one partition until the batch there is closed (full or sent), then a different partition is
/// chosen at random. This fills batches quickly instead of spreading single records everywhere.
public struct StickyPartitioner: Sendable {
    private var stickyPartition: [String: Int32] = [:]
    private var random: SplitMix64

    /// `seed` makes the choice of sticky partitions reproducible (tests); production passes a random seed.
    public init(seed: UInt64 = UInt64.random(in: .min ... .max)) {
        random = SplitMix64(seed: seed)
    }

    /// The partition for a record of `topic` with `key`, given the topic's partition count (> 0).
    public mutating func partition(topic: String, key: [UInt8]?, partitionCount: Int32) -> Int32 {
        if let key { return Murmur2.partition(forKey: key, partitionCount: partitionCount) }
        if let current = stickyPartition[topic], current < partitionCount { return current }
        let chosen = Int32(random.next() % UInt64(partitionCount))
        stickyPartition[topic] = chosen
        return chosen
    }

    /// Called when the batch that unkeyed records of `topic` were filling has been closed: the next
    /// unkeyed record moves to another partition (when the topic has more than one).
    public mutating func batchClosed(topic: String, partition: Int32, partitionCount: Int32) {
        guard stickyPartition[topic] == partition else { return }
        guard partitionCount > 1 else { return }
        // Uniform over the other partitions: draw from count-1 values and skip the current one.
        var next = Int32(random.next() % UInt64(partitionCount - 1))
        if next >= partition { next += 1 }
        stickyPartition[topic] = next
    }
}

/// A small seeded PRNG (Steele, Lea and Flood's SplitMix64): reproducible sticky-partition choices.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
