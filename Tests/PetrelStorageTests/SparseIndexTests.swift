@testable import PetrelStorage
import Testing

/// The offset and time indexes keep Kafka's on-disk layouts byte for byte across append, trim and reopen.
@Suite struct SparseIndexTests {
    /// Kafka's big-endian encoding, written out independently of the index code.
    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    @Test func offsetIndexFileIsKafkaLayoutAndSurvivesReopen() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/00000000000000001000.index"
        let written = [
            OffsetPosition(offset: 1004, position: 0), OffsetPosition(offset: 1020, position: 4200),
            OffsetPosition(offset: 1100, position: 70_000),
        ]
        let index = try OffsetIndex(path: path, baseOffset: 1000, maxBytes: 4096)
        for entry in written { index.append(entry) }
        try index.file.trim()

        let expected = written.flatMap { Self.bigEndian(Int32($0.offset - 1000)) + Self.bigEndian(Int32($0.position)) }
        #expect(readWholeFile(path) == expected)

        let reopened = try OffsetIndex(path: path, baseOffset: 1000, maxBytes: 4096)
        #expect((0..<reopened.entries).map(reopened.entry) == written)
        #expect(reopened.lookup(999) == OffsetPosition(offset: 1000, position: 0))
        #expect(reopened.lookup(1020) == written[1])
        #expect(reopened.lookup(1099) == written[1])
        #expect(reopened.lookup(5000) == written[2])
        #expect(reopened.isSane(segmentSize: 70_001))
        #expect(!reopened.isSane(segmentSize: 70_000))
    }

    @Test func timeIndexKeepsRunningMaximumInKafkaLayoutAcrossReopen() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/00000000000000000050.timeindex"
        let index = try TimeIndex(path: path, baseOffset: 50, maxBytes: 4096)
        index.maybeAppend(timestamp: 1_700_000_000_000, offset: 52)
        index.maybeAppend(timestamp: 1_699_999_999_999, offset: 60)  // older: not a new maximum
        index.maybeAppend(timestamp: 1_700_000_000_000, offset: 61)  // equal: not a new maximum
        index.maybeAppend(timestamp: 1_700_000_000_500, offset: 70)
        try index.file.trim()

        let written = [
            TimestampOffset(timestamp: 1_700_000_000_000, offset: 52),
            TimestampOffset(timestamp: 1_700_000_000_500, offset: 70),
        ]
        let expected = written.flatMap { Self.bigEndian($0.timestamp) + Self.bigEndian(Int32($0.offset - 50)) }
        #expect(readWholeFile(path) == expected)

        let reopened = try TimeIndex(path: path, baseOffset: 50, maxBytes: 4096)
        #expect((0..<reopened.entries).map(reopened.entry) == written)
        #expect(reopened.lookupBefore(1_700_000_000_000) == nil)
        #expect(reopened.lookupBefore(1_700_000_000_001) == 52)
        #expect(reopened.lookupBefore(Int64.max) == 70)
        #expect(reopened.isSane(segmentSize: 0))
    }

    @Test func truncateDropsEntriesAtOrAboveOffsetAndZeroesThem() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/00000000000000000000.index"
        let index = try OffsetIndex(path: path, baseOffset: 0, maxBytes: 80)
        for step in 1...10 { index.append(OffsetPosition(offset: Int64(step * 10), position: Int64(step * 100))) }
        #expect(index.isFull)
        index.truncate(from: 70)
        #expect(index.lastEntry == OffsetPosition(offset: 60, position: 600))
        // The preallocated file keeps its size; the dropped entries are zeros, which a reopen ignores.
        #expect(readWholeFile(path)?.suffix(32) == [UInt8](repeating: 0, count: 32))
        let reopened = try OffsetIndex(path: path, baseOffset: 0, maxBytes: 80)
        #expect(reopened.entries == 6)
    }

    @Test func outOfOrderEntriesFailTheSanityCheck() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let offsets = try OffsetIndex(path: directory.path + "/0.index", baseOffset: 100, maxBytes: 4096)
        offsets.append(OffsetPosition(offset: 110, position: 500))
        offsets.append(OffsetPosition(offset: 120, position: 400))  // position goes back
        #expect(!offsets.isSane(segmentSize: 1000))
        let times = try TimeIndex(path: directory.path + "/0.timeindex", baseOffset: 100, maxBytes: 4096)
        times.append(TimestampOffset(timestamp: 5, offset: 99))  // below the base offset
        #expect(!times.isSane(segmentSize: 1000))
    }
}
