import NIOCore
import PetrelProtocol
import Testing

@Suite struct CRC32CTests {
    @Test func knownVectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // iSCSI (RFC 3720 B.4) ascending bytes 0..31.
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func hardwarePathMatchesSoftwareOnEveryLengthUpTo4096() {
        var generator = SplitMix64(seed: 0xC5C3_2C00)
        let bytes = (0..<4096 + 7).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        bytes.withUnsafeBytes { all in
            for length in 0...4096 {
                // Vary the alignment too: the fast paths align to 8 bytes first.
                let start = length % 8
                let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                #expect(CRC32C.checksum(slice) == CRC32C.softwareChecksum(slice), "length \(length)")
            }
        }
    }

    /// Long inputs take the three-stream path (blocks of 3 x 2048 bytes) plus a single-stream tail.
    @Test func threeStreamPathMatchesSoftware() {
        var generator = SplitMix64(seed: 0x3_5743)
        let bytes = (0..<(1 << 20) + 64).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        bytes.withUnsafeBytes { all in
            for length in [6143, 6144, 6145, 6144 + 7, 12_288, 12_289, 100_000, 1 << 20] {
                for start in [0, 3] {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    #expect(CRC32C.checksum(slice) == CRC32C.softwareChecksum(slice), "length \(length) start \(start)")
                }
            }
        }
    }

    @Test func continuationEqualsOneShot() {
        let bytes = Array("The quick brown fox jumps over the lazy dog".utf8)
        let whole = CRC32C.checksum(bytes)
        for split in 0...bytes.count {
            let first = CRC32C.checksum(bytes[..<split])
            let continued = bytes[split...].withUnsafeBytes { CRC32C.checksum($0, continuing: first) }
            #expect(continued == whole)
        }
    }
}

/// Deterministic PRNG for reproducible property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
