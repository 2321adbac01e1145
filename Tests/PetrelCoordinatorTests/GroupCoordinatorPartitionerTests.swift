import PetrelCoordinator
import Testing

@Suite struct GroupCoordinatorPartitionerTests {
    /// Values of `String.hashCode()` on a JVM; "polygenelubricants" is the classic Integer.MIN_VALUE case.
    @Test(arguments: [
        ("", Int32(0)),
        ("hello", 99_162_322),
        ("test-group", 627_841_412),
        ("my-group", -1_906_497_762),
        ("grüppe", -1_233_264_812),
        ("😀", 1_772_899),  // a surrogate pair: two UTF-16 units
        ("polygenelubricants", Int32.min),
    ])
    func javaStringHashCodeMatchesJava(input: String, expected: Int32) {
        #expect(GroupCoordinatorPartitioner.javaStringHashCode(input) == expected)
    }

    @Test func partitionUsesKafkaAbsNotMathAbs() {
        #expect(GroupCoordinatorPartitioner.partition(for: "") == 0)
        #expect(GroupCoordinatorPartitioner.partition(for: "hello") == 22)
        #expect(GroupCoordinatorPartitioner.partition(for: "test-group") == 12)
        // -1906497762 & 0x7fffffff = 240985886, % 50 = 36; Math.abs would give 12.
        #expect(GroupCoordinatorPartitioner.partition(for: "my-group") == 36)
        #expect(GroupCoordinatorPartitioner.partition(for: "polygenelubricants") == 0)
        #expect(GroupCoordinatorPartitioner.partition(for: "hello", partitionCount: 7) == 99_162_322 % 7)
    }
}
