/// Makes member ids the way Kafka does, `clientId + "-" + UUID`, from a seeded stream.
///
/// The coordinator is a pure value, so randomness comes in as a seed: the broker seeds it from the system
/// generator when it loads a shard, tests seed it with a constant and get the same ids every run.
struct MemberIDGenerator: Sendable, Equatable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(clientID: String) -> String {
        let high = nextWord() & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000  // version 4
        let low = nextWord() & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000  // IETF variant
        let hex = Self.hex(high, digits: 16) + Self.hex(low, digits: 16)
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex.dropFirst(range.lowerBound).prefix(range.count))
        }
        return clientID + "-" + groups.joined(separator: "-")
    }

    /// SplitMix64: one multiply-xorshift step per word, enough to make ids unique, not secret.
    private mutating func nextWord() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let raw = String(value, radix: 16)
        return String(repeating: "0", count: digits - raw.count) + raw
    }
}
