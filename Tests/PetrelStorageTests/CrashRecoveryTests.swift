import Glibc
import Logging
import NIOCore
import PetrelProtocol
@testable import PetrelStorage
import Testing

@Suite struct CrashRecoveryTests {
    let logger = Logger(label: "test")

    /// The crash child sits next to the test bundle in the build directory.
    static var childPath: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe = String(decoding: buffer[0..<max(count, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var directory = String(exe[..<(exe.lastIndex(of: "/") ?? exe.endIndex)])
        if directory.hasSuffix(".xctest/Contents/MacOS") || directory.hasSuffix(".xctest") {
            directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.endIndex)])
        }
        return directory + "/StorageCrashChild"
    }

    struct Ack: Hashable {
        var base: Int64
        var last: Int64
        var crc: UInt32
    }

    /// Runs the child for `milliseconds` after it reports READY, SIGKILLs it, returns its ACK lines.
    static func runChild(directory: String, seed: UInt64, milliseconds: Int) throws -> [Ack] {
        var pipeFDs: [CInt] = [-1, -1]
        try #require(pipe(&pipeFDs) == 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        let arguments = [childPath, directory, String(seed)]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, childPath, &actions, nil, &argv, environ)
        close(pipeFDs[1])
        defer { close(pipeFDs[0]) }
        try #require(spawned == 0, "spawn \(childPath): \(spawned)")

        var output: [UInt8] = []
        var deadline: timespec?
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            var pollFD = pollfd(fd: pipeFDs[0], events: Int16(POLLIN), revents: 0)
            var remaining: Int32 = 10_000
            if let deadline {
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                remaining = Int32(max(0, (deadline.tv_sec - now.tv_sec) * 1000 + (deadline.tv_nsec - now.tv_nsec) / 1_000_000))
                if remaining == 0 { break }
            }
            guard poll(&pollFD, 1, remaining) > 0 else { break }
            let n = chunk.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, $0.count) }
            if n <= 0 { break }
            output += chunk[0..<n]
            if deadline == nil, output.contains(UInt8(ascii: "\n")) {
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let total = Int(now.tv_nsec) + milliseconds * 1_000_000
                deadline = timespec(tv_sec: now.tv_sec + total / 1_000_000_000, tv_nsec: total % 1_000_000_000)
            }
        }
        kill(pid, SIGKILL)
        var status: CInt = 0
        waitpid(pid, &status, 0)
        // Lines printed before the kill are complete acknowledgements; a torn last line is ignored.
        let text = String(decoding: output, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 4, fields[0] == "ACK", let base = Int64(fields[1]), let last = Int64(fields[2]),
                let crc = UInt32(fields[3])
            else { return nil }
            return Ack(base: base, last: last, crc: crc)
        }
    }

    /// kill -9 during durable appends, 50 times: after each restart every acknowledged batch is there with
    /// a valid CRC, nothing partial is visible, and new appends work.
    @Test func killNineDuringDurableAppendsLosesNothingAcknowledged() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var random = SeededRandom(seed: 0xC4A5_4000)
        var acknowledged: [Int64: Ack] = [:]
        var config = LogManagerConfig(logDirs: [directory.path])
        config.defaultLogConfig.segmentBytes = 64 * 1024
        config.defaultLogConfig.indexIntervalBytes = 1024
        for round in 0..<50 {
            let seed = random.next()
            let milliseconds = Int.random(in: 5...120, using: &random)
            print("crash round \(round) seed \(seed) kill after \(milliseconds) ms")
            for ack in try Self.runChild(directory: directory.path, seed: seed, milliseconds: milliseconds) {
                acknowledged[ack.base] = ack
            }
            let manager = try LogManager(config: config, logger: logger)
            let log = try #require(manager.log(topic: "crash", partition: 0), "round \(round) seed \(seed)")
            // Every visible batch has a valid CRC (readAllHeaders verifies it) and offsets are contiguous.
            let headers = try readAllHeaders(log, from: log.logStartOffset)
            var expectedNext = log.logStartOffset
            for header in headers {
                #expect(header.baseOffset == expectedNext, "round \(round) seed \(seed)")
                expectedNext = header.nextOffset
            }
            #expect(expectedNext == log.logEndOffset, "round \(round) seed \(seed)")
            let found = Dictionary(uniqueKeysWithValues: headers.map { ($0.baseOffset, $0) })
            for ack in acknowledged.values {
                let header = found[ack.base]
                #expect(header?.lastOffset == ack.last && header?.crc == ack.crc, "lost ack \(ack) round \(round) seed \(seed)")
            }
            let info = try await log.appendAsLeader(BatchFactory.batch(payload: [UInt8(round)]), leaderEpoch: 0, now: 0)
            #expect(info.firstOffset == expectedNext)
            acknowledged[info.firstOffset] = Ack(base: info.firstOffset, last: info.lastOffset, crc: try BatchFactory.headers(in: log.readBuffer(from: info.firstOffset, maxBytes: 1 << 16, minOneBatch: true))[0].crc)
            if round % 2 == 0 { try await manager.shutdown() } else { manager.abandonForTesting() }
        }
        #expect(acknowledged.count > 50)
    }

    @Test func tornTailAndCorruptBatchAreTruncatedAndIndexesRebuilt() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let config = LogManagerConfig.test(directory.path) { $0.indexIntervalBytes = 100 }
        var manager = try LogManager(config: config, logger: logger)
        var log = try manager.createLog(topic: "t", partition: 0)
        var positions: [Int64] = []
        var position: Int64 = 0
        for index in 0..<10 {
            positions.append(position)
            let batch = BatchFactory.batch(records: 2, payload: [UInt8](repeating: UInt8(index), count: 150))
            position += Int64(batch.readableBytes)
            _ = try await log.appendAsLeader(batch, leaderEpoch: 0, now: 0)
        }
        manager.abandonForTesting()
        let path = log.directory + "/00000000000000000000.log"
        let fd = open(path, O_RDWR)
        try #require(fd >= 0)
        // A byte flipped inside batch 7's records, and half a batch appended at the end.
        var flipped: UInt8 = 0xFF
        pwrite(fd, &flipped, 1, off_t(positions[7] + 70))
        let torn = BatchFactory.batch(payload: [UInt8](repeating: 1, count: 100))
        _ = torn.withUnsafeReadableBytes { pwrite(fd, $0.baseAddress, 80, off_t(position)) }
        close(fd)
        // Garbage in the offset index must not survive either.
        let indexFD = open(log.directory + "/00000000000000000000.index", O_RDWR)
        var junk = [UInt8](repeating: 0x7F, count: 16)
        pwrite(indexFD, &junk, 16, 0)
        close(indexFD)

        manager = try LogManager(config: config, logger: logger)
        log = try #require(manager.log(topic: "t", partition: 0))
        #expect(log.logEndOffset == 14)  // batches 0..6, two records each
        #expect(try readAllHeaders(log, from: 0).count == 7)
        for offset in Int64(0)..<14 {
            #expect(try log.read(from: offset, maxBytes: 1, minOneBatch: true).firstBatchBaseOffset == offset - offset % 2)
        }
        let next = try await log.appendAsLeader(BatchFactory.batch(payload: [1]), leaderEpoch: 0, now: 0)
        #expect(next.firstOffset == 14)
        try await manager.shutdown()
    }

    /// Disk full on a 1 MiB tmpfs: the failing append gets a storage error, the log dir goes offline,
    /// and everything acknowledged before reads back intact.
    @Test func diskFullFailsTheAppendAndKeepsEarlierBatches() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let mountPoint = directory.path + "/tmpfs"
        mkdir(mountPoint, 0o755)
        guard Glibc.system("mount -t tmpfs -o size=1m tmpfs '\(mountPoint)' 2>/dev/null") == 0 else {
            let canMount = geteuid() == 0
            print("diskFullFailsTheAppendAndKeepsEarlierBatches: skipped, mount -t tmpfs failed (root: \(canMount))")
            #expect(!canMount || errno == EPERM, "mount failed for a reason other than EPERM")
            return
        }
        defer { _ = Glibc.system("umount -l '\(mountPoint)'") }
        let manager = try LogManager(config: .test(mountPoint) { $0.segmentIndexBytes = 4096 }, logger: logger)
        let log = try manager.createLog(topic: "full", partition: 0)
        var acknowledged: [(Int64, UInt32)] = []
        var failure: LogError?
        for index in 0..<200 {
            let batch = BatchFactory.batch(payload: [UInt8](repeating: UInt8(index % 251), count: 16 * 1024))
            do {
                let info = try await log.appendAsLeader(batch, leaderEpoch: 0, now: 0)
                acknowledged.append((info.firstOffset, try RecordBatchHeader(parsing: batch, at: 0).crc))
            } catch {
                failure = error as? LogError
                break
            }
        }
        #expect(failure?.code == .storage)
        #expect(!acknowledged.isEmpty)
        #expect(log.logDirectory.isOffline)
        await #expect(throws: LogError.self) { try await log.appendAsLeader(BatchFactory.batch(payload: [1]), leaderEpoch: 0, now: 0) }
        let headers = try readAllHeaders(log, from: 0)
        #expect(headers.map { ($0.baseOffset) } == acknowledged.map(\.0))
        #expect(headers.map(\.crc) == acknowledged.map(\.1))
        #expect(log.logEndOffset == Int64(acknowledged.count))
        await #expect(throws: LogError.self) { try await manager.shutdown() }
    }
}
