import NIOCore
import PetrelProtocol

/// A generated message that can build a random value encodable at a given version.
protocol ArbitraryMessage: KafkaMessage {
    /// A random value encodable at `version`; `unknownTags` also fills `unknownTaggedFields`.
    static func arbitrary(version: Int16, unknownTags: Bool, using rng: inout SplitMix64) -> Self
}

/// Random field values for the generated `arbitrary(version:using:)` functions: small sizes
/// (so every message at every version stays cheap), edge values mixed in, never NaN (NaN != NaN).
enum Arbitrary {
    static func chance(_ rng: inout SplitMix64, _ numerator: UInt64, in denominator: UInt64) -> Bool {
        rng.next() % denominator < numerator
    }

    static func bool(_ rng: inout SplitMix64) -> Bool { rng.next() & 1 == 1 }

    /// Uniform bits most of the time; 0, -1, min or max one time in four.
    private static func integer<T: FixedWidthInteger>(_ rng: inout SplitMix64, as _: T.Type) -> T {
        switch rng.next() % 8 {
        case 0: 0
        case 1: T.max
        case 2: T.min
        case 3: T(truncatingIfNeeded: -1)
        default: T(truncatingIfNeeded: rng.next())
        }
    }

    static func int8(_ rng: inout SplitMix64) -> Int8 { integer(&rng, as: Int8.self) }
    static func int16(_ rng: inout SplitMix64) -> Int16 { integer(&rng, as: Int16.self) }
    static func uint16(_ rng: inout SplitMix64) -> UInt16 { integer(&rng, as: UInt16.self) }
    static func int32(_ rng: inout SplitMix64) -> Int32 { integer(&rng, as: Int32.self) }
    static func uint32(_ rng: inout SplitMix64) -> UInt32 { integer(&rng, as: UInt32.self) }
    static func int64(_ rng: inout SplitMix64) -> Int64 { integer(&rng, as: Int64.self) }

    static func float64(_ rng: inout SplitMix64) -> Double {
        let value = Double(bitPattern: rng.next())
        return value.isNaN ? 0.5 : value
    }

    static func uuid(_ rng: inout SplitMix64) -> Uuid {
        chance(&rng, 1, in: 4) ? .zero : Uuid(mostSignificantBits: rng.next(), leastSignificantBits: rng.next())
    }

    private static let alphabet: [Character] = Array("abcXYZ019-._ éß€😀")

    static func string(_ rng: inout SplitMix64) -> String {
        let length = Int(rng.next() % 9)
        return String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
    }

    static func bytes(_ rng: inout SplitMix64) -> [UInt8] {
        (0..<Int(rng.next() % 9)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    static func records(_ rng: inout SplitMix64) -> ByteBuffer {
        ByteBuffer(bytes: bytes(&rng))
    }

    static func array<T>(_ rng: inout SplitMix64, _ element: (inout SplitMix64) -> T) -> [T] {
        (0..<Int(rng.next() % 4)).map { _ in element(&rng) }
    }

    /// Zero to two tagged fields with tags the message does not know, ascending (the order a
    /// decoder returns them in).
    static func unknownTaggedFields(_ rng: inout SplitMix64, knownTags: [UInt32]) -> [TaggedField] {
        var tags: Set<UInt32> = []
        for _ in 0..<Int(rng.next() % 3) {
            let tag = UInt32(rng.next() % 12)
            if !knownTags.contains(tag) { tags.insert(tag) }
        }
        return tags.sorted().map { TaggedField(tag: $0, data: records(&rng)) }
    }
}
