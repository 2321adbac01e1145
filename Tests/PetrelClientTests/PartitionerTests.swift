import Testing

@testable import PetrelClient

/// Expected hashes computed from Java's `Utils.murmur2` algorithm (run in Python, as the Java
/// source is written), matching the vectors in Kafka's own `UtilsTest.testMurmur2`.
@Suite struct Murmur2Tests {
    @Test(arguments: [
        ("21", Int32(-973_932_308)),
        ("foobar", -790_332_482),
        ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
        ("abc", 479_470_107),
        ("", 275_646_681),
        ("a", -1_563_381_124),
        ("ab", 316_155_434),
        ("abcd", -1_323_649_548),
    ])
    func hashMatchesJavaUtilsMurmur2(input: String, expected: Int32) {
        #expect(Murmur2.hash(Array(input.utf8)) == expected)
    }

    @Test func tailBytesAboveSevenBitsAreUnsigned() {
        // Java masks each byte with 0xff; a sign-extension bug would change this value.
        #expect(Murmur2.hash([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06]) == -1_488_168_820)
    }

    @Test func toPositiveClearsOnlyTheSignBit() {
        #expect(Murmur2.toPositive(Int32.min) == 0)
        #expect(Murmur2.toPositive(-1) == Int32.max)
        #expect(Murmur2.toPositive(42) == 42)
    }

    @Test func keyedPartitionIsHashModuloCount() {
        #expect(Murmur2.partition(forKey: Array("a-little-bit-longer-string".utf8), partitionCount: 6) == 5)
        #expect(Murmur2.partition(forKey: Array("abc".utf8), partitionCount: 6) == 3)
    }
}

@Suite struct StickyPartitionerTests {
    @Test func keyedRecordsIgnoreStickiness() {
        var partitioner = StickyPartitioner(seed: 1)
        for _ in 0..<3 {
            #expect(partitioner.partition(topic: "t", key: Array("21".utf8), partitionCount: 6) == 0)
        }
    }

    @Test func unkeyedRecordsStickUntilTheBatchCloses() {
        var partitioner = StickyPartitioner(seed: 7)
        let first = partitioner.partition(topic: "t", key: nil, partitionCount: 4)
        #expect(partitioner.partition(topic: "t", key: nil, partitionCount: 4) == first)
        partitioner.batchClosed(topic: "t", partition: first, partitionCount: 4)
        let second = partitioner.partition(topic: "t", key: nil, partitionCount: 4)
        #expect(second != first)
        #expect((0..<4).contains(second))
    }

    @Test func closingAnotherPartitionsBatchKeepsTheStickyChoice() {
        var partitioner = StickyPartitioner(seed: 3)
        let first = partitioner.partition(topic: "t", key: nil, partitionCount: 4)
        partitioner.batchClosed(topic: "t", partition: (first + 1) % 4, partitionCount: 4)
        #expect(partitioner.partition(topic: "t", key: nil, partitionCount: 4) == first)
    }

    @Test func unkeyedRecordsVisitEveryPartitionOverTime() {
        var partitioner = StickyPartitioner(seed: 11)
        var seen = Set<Int32>()
        for _ in 0..<200 {
            let p = partitioner.partition(topic: "t", key: nil, partitionCount: 5)
            seen.insert(p)
            partitioner.batchClosed(topic: "t", partition: p, partitionCount: 5)
        }
        #expect(seen == Set(0..<5))
    }

    @Test func singlePartitionTopicAlwaysUsesPartitionZero() {
        var partitioner = StickyPartitioner(seed: 5)
        #expect(partitioner.partition(topic: "t", key: nil, partitionCount: 1) == 0)
        partitioner.batchClosed(topic: "t", partition: 0, partitionCount: 1)
        #expect(partitioner.partition(topic: "t", key: nil, partitionCount: 1) == 0)
    }
}
