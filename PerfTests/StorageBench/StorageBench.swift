import Glibc
import Logging
import NIOCore
import PetrelProtocol
import PetrelStorage

/// Storage throughput, each figure beside a `dd`/`cat` reference measured in the same run and the same
/// directory, then the open targets: 10,000 partitions opened after a clean shutdown (time, RSS) and
/// recovery after kill -9 with 1 GiB unflushed. Usage: StorageBench [--case NAME,...] [directory] (default:
/// every case, in a fresh directory under /tmp removed at the end; a given directory is kept, and the
/// open case reuses the 10,000 partitions it finds there). The open and crash cases run in child processes (this
/// executable, started with `--open <dir>` or `--append-unflushed <dir> <bytes>`), so RSS and page state
/// are their own.
///
/// Throughput cases: Petrel and its reference take turns `PETREL_BENCH_RUNS` times (default 5; odd runs
/// Petrel first, even runs the reference first), and every measured run starts from the same state:
/// the previous run's files removed, the file systems synced and the machine's dirty and
/// writeback pages drained (see `settle`). Each side reports its median and its best; the ratio is of
/// the medians. Page-cache cases write `PETREL_BENCH_MIB` MiB (default 1024: below the kernel's
/// background writeback threshold, so no writeback starts inside a run), fdatasync cases 128 MiB.
@main struct StorageBench {
    static let batchBytes = 16 * 1024
    static let pageCacheBytes = (getenv("PETREL_BENCH_MIB").flatMap { Int(String(cString: $0)) } ?? 1024) << 20
    static let syncBytes = 128 << 20
    static let runs = max(1, getenv("PETREL_BENCH_RUNS").flatMap { Int(String(cString: $0)) } ?? 5)
    static let logger = Logger(label: "storage-bench") { _ in SwiftLogNoOpLogHandler() }
    /// `log.io.engine` of the PartitionLog cases: `PETREL_IO_ENGINE=sync` compares the pwritev fallback.
    static let engine = getenv("PETREL_IO_ENGINE").flatMap { IOEngine(rawValue: String(cString: $0)) } ?? .ioUring
    /// How the PartitionLog cases keep 64 appends in flight: by default one task submits them
    /// (`submitAppendAsLeader`) and awaits the oldest once 64 are queued, the broker's submit-then-await
    /// path; `PETREL_BENCH_APPENDERS=tasks` runs 64 tasks each awaiting its own append (the first bench,
    /// which also measures 64-way task switching on 2 cores).
    static let appenderTasks = getenv("PETREL_BENCH_APPENDERS").map { String(cString: $0) == "tasks" } ?? false
    static let inFlight = 64

    /// The cases, in the order a full run takes them; `--case NAME[,NAME...]` runs those alone (to
    /// profile one, or to leave out the slow open and crash cases).
    static let caseNames = ["ring1", "ring100", "ringsync", "partitions1", "partitions1000", "durable", "sendfile", "open", "crash"]

    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.count == 2 && arguments[0] == "--open" { return try await openChild(directory: arguments[1]) }
        if arguments.count == 3 && arguments[0] == "--append-unflushed", let bytes = Int(arguments[2]) {
            return try await appendUnflushedChild(directory: arguments[1], bytes: bytes)
        }
        let usage = "usage: StorageBench [--case \(caseNames.joined(separator: "|"))[,...]] [directory]"
        var selected = caseNames
        if arguments.first == "--case" {
            let names = arguments.count >= 2 ? arguments[1].split(separator: ",").map(String.init) : []
            guard !names.isEmpty, names.allSatisfy(caseNames.contains) else {
                print(usage)
                exit(2)
            }
            selected = caseNames.filter(names.contains)
            arguments.removeFirst(2)
        }
        // The directory is handed to shell commands: an option (`--help`) is not one.
        guard arguments.count <= 1, arguments.first?.hasPrefix("-") != true else {
            print(usage)
            exit(2)
        }
        let root = arguments.first ?? makeTemporaryDirectory()
        let keepRoot = !arguments.isEmpty
        mkdir(root, 0o755)
        print("StorageBench: \(pageCacheBytes >> 20) MiB per page-cache case, \(syncBytes >> 20) MiB per fdatasync case, "
            + "16 KiB batches, \(runs) interleaved runs per side (median, best), directory \(root), PartitionLog engine \(engine)")
        print(String(repeating: "-", count: 96))
        let pageCacheBlocks = pageCacheBytes / batchBytes
        let ddPlain = "dd if=/dev/zero of=\(root)/dd-plain bs=16k count=\(pageCacheBlocks) 2>/dev/null"

        for name in selected {
            switch name {
            case "ring1":
                try await compare("ring append, 1 file", bytes: pageCacheBytes, root: root, reference: "dd bs=16k", ddPlain) {
                    try ringAppend(directory: root + "/ring1", files: 1, bytes: pageCacheBytes, syncEveryRound: false)
                }
            case "ring100":
                try await compare("ring append, 100 files", bytes: pageCacheBytes, root: root, reference: "dd bs=16k", ddPlain) {
                    try ringAppend(directory: root + "/ring100", files: 100, bytes: pageCacheBytes, syncEveryRound: false)
                }
            case "ringsync":
                let ddSync = "dd if=/dev/zero of=\(root)/dd-dsync bs=1M count=\(syncBytes >> 20) oflag=dsync 2>/dev/null"
                try await compare("ring append + fdatasync every 1 MiB", bytes: syncBytes, root: root, reference: "dd bs=1M oflag=dsync", ddSync) {
                    try ringAppend(directory: root + "/ringsync", files: 1, bytes: syncBytes, syncEveryRound: true)
                }
            case "partitions1":
                try await compare("PartitionLog append, 1 partition", bytes: pageCacheBytes, root: root, reference: "dd bs=16k", ddPlain) {
                    try await partitionLogAppend(directory: root + "/plog1", partitions: 1, bytes: pageCacheBytes, durable: false)
                }
            case "partitions1000":
                try await compare("PartitionLog append, 1000 partitions", bytes: pageCacheBytes, root: root, reference: "dd bs=16k", ddPlain) {
                    try await partitionLogAppend(directory: root + "/plog1000", partitions: 1000, bytes: pageCacheBytes, durable: false)
                }
            case "durable":
                let ddFsync = "dd if=/dev/zero of=\(root)/dd-fdatasync bs=16k count=\(syncBytes / batchBytes) conv=fdatasync 2>/dev/null"
                try await compare("durable appends, 1 partition", bytes: syncBytes, root: root, reference: "dd bs=16k conv=fdatasync", ddFsync) {
                    try await partitionLogAppend(directory: root + "/plogdurable", partitions: 1, bytes: syncBytes, durable: true)
                }
            case "sendfile":
                if access(root + "/plog1", F_OK) != 0 {
                    _ = try await partitionLogAppend(directory: root + "/plog1", partitions: 1, bytes: pageCacheBytes, durable: false)
                }
                let (sendfileSeconds, bytes) = try await sendfileRead(directory: root + "/plog1")
                let cat = shell("cat \(root)/plog1/bench-0/*.log > /dev/null")
                report("read back via sendfile to /dev/null", Double(bytes) / 1_000_000 / sendfileSeconds, "cat > /dev/null", Double(bytes) / 1_000_000 / cat)
            case "open":
                // Creating them takes 20-80 s (ext4 inode allocation): a kept directory reuses them.
                let reused = access(root + "/open10k", F_OK) == 0
                let created = reused ? 0 : try await createPartitions(directory: root + "/open10k", count: 10_000)
                let open = try spawnSelf(["--open", root + "/open10k"], until: "OPEN")
                print("open 10,000 partitions after a clean shutdown: \(open.line.dropFirst(5))   (targets < 2 s, RSS < 200 MB; "
                    + (reused ? "reused from an earlier run)" : "creating them took \(twoDecimals(created)) s)"))
            default:
                let gibibyte = 1 << 30
                _ = shell("rm -rf '\(root)/crash'")
                let child = try spawnSelf(["--append-unflushed", root + "/crash", String(gibibyte)], until: "DONE")
                kill(child.pid, SIGKILL)
                var status: CInt = 0
                waitpid(child.pid, &status, 0)
                let recovered = try spawnSelf(["--open", root + "/crash"], until: "OPEN")
                print("open after kill -9 with 1 GiB unflushed: \(recovered.line.dropFirst(5))   (target < 3 s)")
            }
        }
        if !keepRoot { _ = shell("rm -rf '\(root)'") }
    }

    /// Runs `petrel` (which returns its timed seconds) and the `referenceCommand` shell command `runs`
    /// times each, alternating which goes first, every run from a settled state; prints every run and
    /// each side's median and best in MB/s.
    @MainActor static func compare(
        _ name: String, bytes: Int, root: String, reference: String, _ referenceCommand: String,
        petrel: () async throws -> Double
    ) async throws {
        let mb = Double(bytes) / 1_000_000
        var ours: [Double] = []
        var theirs: [Double] = []
        for run in 0..<runs {
            for side in run % 2 == 0 ? [0, 1] : [1, 0] {
                settle(root)
                if side == 0 {
                    ours.append(mb / (try await petrel()))
                } else {
                    theirs.append(mb / shell(referenceCommand))
                }
            }
        }
        settle(root)
        report(name, median(ours), reference, median(theirs))
        print("  best \(format(ours.max() ?? 0)) | \(format(theirs.max() ?? 0)) MB/s; median ratio "
            + "\(twoDecimals(median(ours) / median(theirs)))x; runs "
            + zip(ours, theirs).map { "\(Int($0.rounded()))/\(Int($1.rounded()))" }.joined(separator: " "))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The same starting state for every measured run: the files of earlier runs removed (every entry of
    /// `root` but the kept 10,000-partition and crash folders), then `drainWriteback`.
    static func settle(_ root: String) {
        _ = shell("cd '\(root)' && find . -mindepth 1 -maxdepth 1 ! -name open10k ! -name crash -exec rm -rf {} +")
        drainWriteback()
    }

    /// Syncs the file systems (`syncfs` is not in Glibc's Swift module; everything here is on one disk)
    /// and waits until the machine's dirty + writeback pages are below 64 MiB (other processes dirty
    /// pages too: gives up after 10 s).
    static func drainWriteback() {
        sync()
        let deadline = now() + 10
        while dirtyAndWritebackKilobytes() > 64 * 1024 && now() < deadline {
            usleep(50_000)
            sync()
        }
    }

    /// Dirty + Writeback from /proc/meminfo, in kB.
    static func dirtyAndWritebackKilobytes() -> Int {
        (kilobytes(in: "/proc/meminfo", field: "Dirty:") ?? 0) + (kilobytes(in: "/proc/meminfo", field: "Writeback:") ?? 0)
    }

    /// The kB figure of the line starting with `field` in a /proc status-style file.
    static func kilobytes(in path: String, field: String) -> Int? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix(field) {
                return Int(text.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            }
        }
        return nil
    }

    /// Creates `count` partitions holding one small batch each, then shuts down cleanly. Returns seconds.
    static func createPartitions(directory: String, count: Int) async throws -> Double {
        let start = now()
        let manager = try LogManager(config: LogManagerConfig(logDirs: [directory]), logger: logger)
        let batch = makeBatch(ByteBuffer(repeating: 7, count: 1024))
        for partition in 0..<count {
            let log = try manager.createLog(topic: "open", partition: Int32(partition))
            _ = try await log.appendAsLeader(batch, leaderEpoch: 0, now: 0, durable: false)
        }
        try await manager.shutdown()
        return now() - start
    }

    /// Child: opens every log under `directory` and prints `OPEN <seconds> <RSS>`, then shuts down.
    static func openChild(directory: String) async throws {
        let start = now()
        let manager = try LogManager(config: LogManagerConfig(logDirs: [directory]), logger: logger)
        let elapsed = now() - start
        let logs = manager.allLogs
        let endOffsets = logs.reduce(Int64(0)) { $0 + $1.logEndOffset }
        print("OPEN \(twoDecimals(elapsed)) s, RSS \(residentMegabytes()) MB, \(logs.count) logs, "
            + "\(endOffsets) offsets")
        fflush(nil)
        try await manager.shutdown()
    }

    /// Child: appends `bytes` of 16 KiB batches to one partition without any fdatasync (durable: false,
    /// no flush policy), prints `DONE` once every write completed, then waits to be killed.
    static func appendUnflushedChild(directory: String, bytes: Int) async throws {
        let manager = try LogManager(config: LogManagerConfig(logDirs: [directory]), logger: logger)
        let log = try manager.createLog(topic: "crash", partition: 0)
        let batch = makeBatch(randomBatchPayload())
        let perAppender = bytes / batchBytes / 64
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    for _ in 0..<perAppender { _ = try await log.appendAsLeader(batch, leaderEpoch: 0, now: 0, durable: false) }
                }
            }
            try await group.waitForAll()
        }
        print("DONE \(log.logEndOffset) recoveryPoint \(log.recoveryPoint)")
        fflush(nil)
        while true { pause() }
    }

    /// VmRSS of this process in MB, from /proc/self/status.
    static func residentMegabytes() -> Int {
        kilobytes(in: "/proc/self/status", field: "VmRSS:").map { $0 / 1000 } ?? -1
    }

    /// Starts this executable with `arguments` and reads its stdout until a line starting with `prefix`.
    static func spawnSelf(_ arguments: [String], until prefix: String) throws -> (pid: pid_t, line: String) {
        var fds: [CInt] = [-1, -1]
        guard pipe(&fds) == 0 else { throw BenchError("pipe: \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let executable = "/proc/self/exe"
        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, &argv, environ)
        close(fds[1])
        defer { close(fds[0]) }
        guard spawned == 0 else { throw BenchError("posix_spawn: \(spawned)") }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw BenchError("child \(arguments) exited before printing \(prefix)") }
            pending += chunk[0..<n]
            while let newline = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if line.hasPrefix(prefix) {
                    if prefix == "OPEN" {
                        var status: CInt = 0
                        waitpid(pid, &status, 0)
                    }
                    return (pid, line)
                }
            }
        }
    }

    struct BenchError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static func report(_ name: String, _ value: Double, _ reference: String, _ referenceValue: Double) {
        let padded = name + String(repeating: " ", count: max(0, 52 - name.count))
        let ref = reference + String(repeating: " ", count: max(0, 26 - reference.count))
        print("\(padded) \(format(value)) MB/s   | \(ref) \(format(referenceValue)) MB/s")
    }

    static func format(_ value: Double) -> String {
        let text = String(Int(value.rounded()))
        return String(repeating: " ", count: max(0, 6 - text.count)) + text
    }

    static func twoDecimals(_ value: Double) -> String {
        String((value * 100).rounded() / 100)
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func shell(_ command: String) -> Double {
        let start = now()
        _ = system(command)
        return now() - start
    }

    static func makeTemporaryDirectory() -> String {
        var template = Array("/tmp/petrel-storage-bench-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { buffer in
            guard let made = mkdtemp(buffer.baseAddress!) else { fatalError("mkdtemp failed") }
            return String(cString: made)
        }
    }

    static func randomBatchPayload() -> ByteBuffer {
        var generator = SystemRandomNumberGenerator()
        return ByteBuffer(bytes: (0..<batchBytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Raw ring: rounds of 1 MiB per file (64 x 16 KiB iovecs in one writev per file), one submit per round.
    static func ringAppend(directory: String, files: Int, bytes totalBytes: Int, syncEveryRound: Bool) throws -> Double {
        mkdir(directory, 0o755)
        let ring = try URing(engine: .ioUring, logger: logger)
        let fds = (0..<files).map { open("\(directory)/f\($0)", O_CREAT | O_RDWR | O_TRUNC, 0o644) }
        defer { fds.forEach { close($0) } }
        let payload = randomBatchPayload()
        drainWriteback()
        let perFileRound = files == 1 ? 64 : 4
        var offsets = [Int64](repeating: 0, count: files)
        var written = 0
        var id: UInt64 = 0
        let start = now()
        while written < totalBytes {
            var writes: [RingWrite] = []
            for file in 0..<files where written < totalBytes {
                let count = min(perFileRound, (totalBytes - written) / batchBytes)
                writes.append(RingWrite(
                    fd: fds[file], offset: offsets[file], buffers: Array(repeating: payload, count: count),
                    sync: syncEveryRound, id: id))
                id += 1
                offsets[file] += Int64(count * batchBytes)
                written += count * batchBytes
            }
            try ring.submit(writes)
            while ring.inFlight > 0 {
                for completion in try ring.reap(timeoutMilliseconds: -1) { _ = try completion.result.get() }
            }
        }
        return now() - start
    }

    static func makeBatch(_ payload: ByteBuffer) -> ByteBuffer {
        var buffer = ByteBuffer()
        let header = RecordBatchHeader(
            batchLength: Int32(payload.readableBytes - RecordBatchHeader.logOverhead),  // the payload is the whole batch
            lastOffsetDelta: 0, baseTimestamp: 1, maxTimestamp: 1, recordCount: 1)
        buffer.writeImmutableBuffer(payload)
        header.write(into: &buffer, at: 0)
        RecordBatchHeader.sealCRC(in: &buffer, at: 0)
        return buffer
    }

    /// 64 concurrent appenders of 16 KiB batches through `PartitionLog`, spread over `partitions`.
    static func partitionLogAppend(directory: String, partitions: Int, bytes totalBytes: Int, durable: Bool) async throws -> Double {
        _ = shell("rm -rf '\(directory)'")  // a kept directory from an earlier run
        var config = LogManagerConfig(logDirs: [directory])
        config.ioEngine = engine
        config.defaultLogConfig.durableAcks = durable
        config.defaultLogConfig.segmentIndexBytes = partitions > 1 ? 64 * 1024 : config.defaultLogConfig.segmentIndexBytes
        let manager = try LogManager(config: config, logger: logger)
        let logs = try (0..<partitions).map { try manager.createLog(topic: "bench", partition: Int32($0)) }
        let batch = makeBatch(randomBatchPayload())
        let appends = totalBytes / batchBytes
        drainWriteback()  // the partitions' creation is not part of the timed run
        let start = now()
        if appenderTasks {
            let perAppender = appends / inFlight
            try await withThrowingTaskGroup(of: Void.self) { group in
                for appender in 0..<inFlight {
                    group.addTask {
                        for index in 0..<perAppender {
                            let log = logs[(appender * perAppender + index) % partitions]
                            _ = try await log.appendAsLeader(batch, leaderEpoch: 0, now: 0, durable: durable)
                        }
                    }
                }
                try await group.waitForAll()
            }
        } else {
            var window = CircularBuffer<PendingAppend>(initialCapacity: inFlight)
            for index in 0..<appends {
                if window.count == inFlight { _ = try await window.removeFirst().result() }
                window.append(try logs[index % partitions].submitAppendAsLeader(batch, leaderEpoch: 0, now: 0, durable: durable))
            }
            while let pending = window.popFirst() { _ = try await pending.result() }
        }
        let elapsed = now() - start
        let io = manager.ioStatistics
        let mode = appenderTasks ? "64 appender tasks" : "64 appends in flight from one task"
        print("  (\(partitions) partition(s), durable \(durable), \(mode): \(io.requests) requests in \(io.rounds) ring rounds, "
            + "\(io.fileWrites) file writes, \(io.fdatasyncs) fdatasyncs)")
        try await manager.shutdown()
        return elapsed
    }

    /// Reads the 1-partition log back with `read` + sendfile(2) to /dev/null, 1 MiB per fetch.
    static func sendfileRead(directory: String) async throws -> (Double, Int) {
        let manager = try LogManager(config: LogManagerConfig(logDirs: [directory]), logger: logger)
        let log = try manager.log(topic: "bench", partition: 0) ?? manager.createLog(topic: "bench", partition: 0)
        let devNull = open("/dev/null", O_WRONLY)
        defer { close(devNull) }
        var offset = log.logStartOffset
        var bytes = 0
        let start = now()
        while offset < log.logEndOffset {
            let result = try log.read(from: offset, maxBytes: 1 << 20, minOneBatch: true)
            for slice in result.slices {
                var position = off_t(slice.position)
                var left = slice.length
                while left > 0 {
                    let sent = sendfile(devNull, slice.fd, &position, left)
                    guard sent > 0 else { fatalError("sendfile failed: \(errno)") }
                    left -= sent
                    bytes += sent
                }
            }
            offset = result.nextOffset
        }
        let elapsed = now() - start
        try await manager.shutdown()
        return (elapsed, bytes)
    }
}
