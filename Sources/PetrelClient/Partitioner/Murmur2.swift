/// Kafka's murmur2 hash, bit-for-bit the Java client's `Utils.murmur2` (seed 0x9747b28c).
///
/// The Java producer's default partitioner (and librdkafka's `murmur2_random`) place a keyed record
/// in `toPositive(murmur2(keyBytes)) % numPartitions`; computing the same value here is what lets a
/// Petrel producer and a Java or librdkafka producer agree on a key's partition.
public enum Murmur2 {
    /// The 32-bit hash of `data`, as Java's signed `int`.
    public static func hash(_ data: some Collection<UInt8>) -> Int32 {
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        let bytes = Array(data)
        let length = bytes.count
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        let whole = length & ~3
        var i = 0
        while i < whole {
            var k = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            k &*= m
            k ^= k >> r
            k &*= m
            h &*= m
            h ^= k
            i += 4
        }
        let tail = length & 3
        if tail == 3 { h ^= UInt32(bytes[whole + 2]) << 16 }
        if tail >= 2 { h ^= UInt32(bytes[whole + 1]) << 8 }
        if tail >= 1 {
            h ^= UInt32(bytes[whole])
            h &*= m
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// Java's `Utils.toPositive`: clears the sign bit (not `abs`, which overflows on `Int32.min`).
    public static func toPositive(_ value: Int32) -> Int32 { value & 0x7fff_ffff }

    /// The partition the Java client's default partitioner picks for a non-null key.
    public static func partition(forKey key: some Collection<UInt8>, partitionCount: Int32) -> Int32 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        return toPositive(hash(key)) % partitionCount
    }
}
