import Glibc
import Logging
import NIOCore

@testable import PetrelStorage

/// Stands in for a ring's completion eventfd in the test rings: `signal()` makes `readableFD` readable,
/// so the LogWriter thread wakes up to reap. Both ends are non-blocking (a full pipe is already readable).
final class ReadinessPipe: Sendable {
    private let fds: [CInt]

    init() {
        var fds: [CInt] = [-1, -1]
        precondition(pipe(&fds) == 0)
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        self.fds = fds
    }

    deinit { fds.forEach { close($0) } }

    var readableFD: CInt { fds[0] }

    func signal() {
        var byte: UInt8 = 1
        _ = write(fds[1], &byte, 1)
    }
}

extension RingWrite {
    /// Writes the buffers with pwrite(2), as the kernel would run the operation; returns the bytes
    /// written and calls `landed` with each buffer and its file position.
    func performWithPwrite(_ landed: (Int64, ByteBuffer) -> Void = { _, _ in }) -> Int {
        var position = offset
        for buffer in buffers {
            let written = buffer.withUnsafeReadableBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(position)) }
            precondition(written == buffer.readableBytes)
            landed(position, buffer)
            position += Int64(written)
        }
        return Int(position - offset)
    }
}

/// A partition log whose writer runs on a `ControlledRing`, in a temporary directory. `finish()` lets
/// every operation complete, stops the writer and removes the directory.
struct RingDrivenLog {
    let directory = TemporaryDirectory()
    let ring = ControlledRing()
    let writer: LogWriter
    let log: PartitionLog

    init(
        topic: String, directWrites: Bool = false, inlineWrites: Bool = false, syncInterval: Duration = .zero,
        syncQuietPeriod: Duration = LogWriter.defaultSyncQuietPeriod
    ) throws {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        writer = try LogWriter(
            ring: ring, logger: logger, directWrites: directWrites, inlineWrites: inlineWrites,
            syncInterval: syncInterval, syncQuietPeriod: syncQuietPeriod)
        log = try PartitionLog(
            topic: topic, partition: 0, logDirectory: LogDirectory(path: directory.path), config: LogConfig(),
            writer: writer, recoveryPoint: 0, logStartOffset: 0, cleanShutdown: true, logger: logger)
    }

    func finish() {
        ring.completeEverything()
        writer.shutdown()
        directory.remove()
    }
}
