import Glibc
import Logging
import NIOCore
import PetrelStorage
import Testing

@Suite struct URingTests {
    /// 10,000 writes of random sizes to 100 files, shuffled, submitted 1,000 per `submit` (some with a
    /// linked fdatasync), then every file is read back and compared byte for byte.
    @Test(arguments: IOEngine.allCases)
    func tenThousandBatchedWritesAcrossHundredFilesReadBackExact(engine: IOEngine) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var random = SeededRandom(seed: 0x5EED_0001)
        let ring = try URing(entries: 512, engine: engine, logger: Logger(label: "test"))
        #expect(ring.engine == engine)

        var expected: [[UInt8]] = []
        var fds: [CInt] = []
        var writes: [RingWrite] = []
        for file in 0..<100 {
            let fd = open("\(directory.path)/file-\(file)", O_CREAT | O_RDWR | O_TRUNC, 0o644)
            try #require(fd >= 0)
            fds.append(fd)
            var content: [UInt8] = []
            for _ in 0..<100 {
                let length = Int.random(in: 1...3000, using: &random)
                let seed = random.next()
                let bytes = (0..<length).map { UInt8(truncatingIfNeeded: seed >> (($0 % 8) * 8) &+ UInt64($0 / 8)) }
                // Split some writes into several iovecs to exercise vectored writes.
                let split = Int.random(in: 0...length, using: &random)
                let buffers = [ByteBuffer(bytes: bytes[..<split]), ByteBuffer(bytes: bytes[split...])]
                writes.append(RingWrite(
                    fd: fd, offset: Int64(content.count), buffers: buffers,
                    sync: Int.random(in: 0..<50, using: &random) == 0, id: UInt64(writes.count)
                ))
                content += bytes
            }
            expected.append(content)
        }
        defer { fds.forEach { close($0) } }
        writes.shuffle(using: &random)
        let lengths = Dictionary(uniqueKeysWithValues: writes.map { ($0.id, $0.buffers.reduce(0) { $0 + $1.readableBytes }) })

        var completed: [UInt64: Int] = [:]
        for start in stride(from: 0, to: writes.count, by: 1000) {
            try ring.submit(Array(writes[start..<min(start + 1000, writes.count)]))
        }
        while ring.inFlight > 0 {
            for completion in try ring.reap(timeoutMilliseconds: -1) {
                completed[completion.id] = try completion.result.get()
            }
        }
        #expect(completed.count == 10_000)
        #expect(completed == lengths)
        for file in 0..<100 {
            #expect(readWholeFile("\(directory.path)/file-\(file)") == expected[file], "file \(file)")
        }
    }

    /// More iovecs than IOV_MAX in one write: the shim splits it and still links the sync to the end.
    @Test(arguments: IOEngine.allCases)
    func writeWithMoreIovecsThanIOVMaxIsSplit(engine: IOEngine) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let ring = try URing(engine: engine, logger: Logger(label: "test"))
        let fd = open("\(directory.path)/big", O_CREAT | O_RDWR | O_TRUNC, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        let buffers = (0..<3000).map { ByteBuffer(bytes: [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)]) }
        try ring.submit([RingWrite(fd: fd, offset: 10, buffers: buffers, sync: true, id: 7)])
        var results: [RingCompletion] = []
        while ring.inFlight > 0 { results += try ring.reap(timeoutMilliseconds: -1) }
        #expect(results.count == 1)
        #expect(try results.first?.result.get() == 6000)
        let expected = [UInt8](repeating: 0, count: 10) + (0..<3000).flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        #expect(readWholeFile("\(directory.path)/big") == expected)
    }

    @Test(arguments: IOEngine.allCases)
    func eventFDSignalsCompletionsAndFailuresCarryErrno(engine: IOEngine) throws {
        let ring = try URing(engine: engine, logger: Logger(label: "test"))
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let fd = open("\(directory.path)/f", O_CREAT | O_RDWR, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        let readOnly = open("\(directory.path)/f", O_RDONLY)
        defer { close(readOnly) }
        try ring.submit([
            RingWrite(fd: fd, offset: 0, buffers: [ByteBuffer(string: "hello")], sync: true, id: 1),
            RingWrite(fd: readOnly, offset: 0, buffers: [ByteBuffer(string: "nope")], sync: false, id: 2),
        ])
        var pollFD = pollfd(fd: ring.eventFD, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pollFD, 1, 5000) == 1)
        var results: [UInt64: Result<Int, IOErrno>] = [:]
        while ring.inFlight > 0 {
            for completion in try ring.reap(timeoutMilliseconds: 1000) { results[completion.id] = completion.result }
        }
        #expect(try results[1]?.get() == 5)
        #expect(throws: IOErrno(EBADF)) { try results[2]?.get() }
        #expect(try ring.reap(timeoutMilliseconds: 0).isEmpty)
    }

    @Test func forcedUnavailableSelectsFallbackAndLogsExactlyOnce() throws {
        let logs = CapturedLogs()
        let ring = try URing(engine: .ioUring, logger: logs.logger, simulateUnavailable: true)
        #expect(ring.engine == .sync)
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let fd = open("\(directory.path)/f", O_CREAT | O_RDWR, 0o644)
        defer { close(fd) }
        for round in 0..<10 {
            try ring.submit([RingWrite(fd: fd, offset: Int64(round), buffers: [ByteBuffer(bytes: [UInt8(round)])], sync: true, id: 0)])
            #expect(try ring.reap(timeoutMilliseconds: 0).count == 1)
        }
        #expect(logs.messages.filter { $0.0 == .warning }.count == 1)
        #expect(readWholeFile("\(directory.path)/f") == (0..<10).map { UInt8($0) })
    }
}
