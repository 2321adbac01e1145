/// Kafka's 128-bit UUID (topic IDs, directory IDs, incarnation IDs...).
///
/// Its string form is Kafka's: the 16 bytes in URL-safe base64 without padding (22 characters),
/// as printed by `kafka-topics.sh --describe`. `Uuid.zero` is Kafka's `ZERO_UUID` (no ID).
public struct Uuid: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first 8 bytes, big-endian.
    public var mostSignificantBits: UInt64
    /// The last 8 bytes, big-endian.
    public var leastSignificantBits: UInt64

    public static let zero = Uuid(mostSignificantBits: 0, leastSignificantBits: 0)

    public init(mostSignificantBits: UInt64, leastSignificantBits: UInt64) {
        self.mostSignificantBits = mostSignificantBits
        self.leastSignificantBits = leastSignificantBits
    }

    /// The UUID from exactly 16 bytes, or nil for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(mostSignificantBits: high, leastSignificantBits: low)
    }

    /// A random version-4 UUID, as Kafka's `Uuid.randomUuid()` (never zero).
    public static func random(using generator: inout some RandomNumberGenerator) -> Uuid {
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & ~(0xC000_0000_0000_0000)) | 0x8000_0000_0000_0000  // IETF variant
        return Uuid(mostSignificantBits: high, leastSignificantBits: low)
    }

    /// A random version-4 UUID from the system generator.
    public static func random() -> Uuid {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// The 16 bytes, big-endian.
    public var bytes: [UInt8] {
        (0..<16).map { index in
            let word = index < 8 ? mostSignificantBits : leastSignificantBits
            return UInt8(truncatingIfNeeded: word >> (56 - 8 * UInt64(index % 8)))
        }
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Kafka's string form: URL-safe base64 of the 16 bytes, no padding.
    public var description: String {
        let bytes = self.bytes + [0, 0]  // pad to a multiple of 3 (18 bytes -> 24 chars, keep 22)
        var chars: [UInt8] = []
        chars.reserveCapacity(24)
        for group in stride(from: 0, to: 18, by: 3) {
            let value = UInt32(bytes[group]) << 16 | UInt32(bytes[group + 1]) << 8 | UInt32(bytes[group + 2])
            for shift in [18, 12, 6, 0] { chars.append(Self.alphabet[Int(value >> UInt32(shift) & 0x3F)]) }
        }
        return String(decoding: chars.prefix(22), as: UTF8.self)
    }

    /// Parses Kafka's string form (22 characters of URL-safe base64); nil for anything else.
    public init?(_ string: String) {
        let chars = Array(string.utf8)
        guard chars.count == 22 else { return nil }
        var bits: [UInt8] = []
        bits.reserveCapacity(16)
        var accumulator: UInt32 = 0
        var pending = 0
        for char in chars {
            guard let value = Self.alphabet.firstIndex(of: char) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            pending += 6
            if pending >= 8 {
                pending -= 8
                bits.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(pending)))
            }
        }
        // 22 chars carry 132 bits: the 4 left over must be zero for a canonical encoding.
        guard accumulator & ((1 << UInt32(pending)) - 1) == 0 else { return nil }
        self.init(bytes: bits)
    }

    public static func < (lhs: Uuid, rhs: Uuid) -> Bool {
        (lhs.mostSignificantBits, lhs.leastSignificantBits) < (rhs.mostSignificantBits, rhs.leastSignificantBits)
    }
}
