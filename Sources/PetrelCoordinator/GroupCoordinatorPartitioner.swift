/// Maps a group to its coordinator: the `__consumer_offsets` partition that stores the group's records.
///
/// Kafka computes `Utils.abs(groupId.hashCode) % offsets.topic.num.partitions`. Clients cache the answer of
/// FindCoordinator, and every broker must agree, so the hash is Java's `String.hashCode` exactly: over UTF-16
/// code units, `h = 31 * h + unit` with 32-bit wrap-around, then Kafka's `abs`, which is `h & 0x7fffffff`
/// (so `Int32.min` maps to 0, unlike `Math.abs`).
public enum GroupCoordinatorPartitioner {
    /// The default of `offsets.topic.num.partitions`.
    public static let defaultPartitionCount: Int32 = 50

    /// Java's `String.hashCode` for `string`.
    public static func javaStringHashCode(_ string: String) -> Int32 {
        var hash: Int32 = 0
        for unit in string.utf16 {
            hash = hash &* 31 &+ Int32(unit)
        }
        return hash
    }

    /// The `__consumer_offsets` partition that coordinates `groupID`.
    public static func partition(for groupID: String, partitionCount: Int32 = defaultPartitionCount) -> Int32 {
        precondition(partitionCount > 0, "offsets.topic.num.partitions must be positive")
        return (javaStringHashCode(groupID) & 0x7fff_ffff) % partitionCount
    }
}
