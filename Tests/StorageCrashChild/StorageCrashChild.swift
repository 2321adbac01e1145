import Glibc
import Logging
import NIOCore
import PetrelProtocol
import PetrelStorage

/// Child process of the storage crash test (`CrashRecoveryTests`): appends batches to one partition
/// from several concurrent appenders, waits until each is durable and then prints
/// `ACK <baseOffset> <lastOffset> <crc>` on stdout. The test SIGKILLs it at a random moment and checks
/// that every acknowledged batch survived.
///
/// Usage: StorageCrashChild <log dir> <seed>
@main struct StorageCrashChild {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 3, let seed = UInt64(arguments[2]) else {
            FileHandleOut.write("usage: StorageCrashChild <log dir> <seed>\n", fd: 2)
            exit(2)
        }
        var config = LogManagerConfig(logDirs: [arguments[1]])
        config.defaultLogConfig.segmentBytes = 64 * 1024  // several rolls per run
        config.defaultLogConfig.indexIntervalBytes = 1024
        let manager = try LogManager(config: config, logger: Logger(label: "crash-child") { _ in SwiftLogNoOpLogHandler() })
        let log = try manager.createLog(topic: "crash", partition: 0)
        FileHandleOut.write("READY \(log.logEndOffset)\n", fd: 1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for appender in 0..<4 {
                group.addTask {
                    var state = seed &+ UInt64(appender) &* 0x9E37_79B9_7F4A_7C15
                    while true {
                        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                        let size = Int(state >> 52) + 1  // 1...4096 bytes of payload
                        let payload = (0..<size).map { UInt8(truncatingIfNeeded: Int(state >> 8) &+ $0) }
                        let batch = makeBatch(records: Int32(state >> 61) + 1, payload: payload)
                        let crc = batch.getInteger(at: RecordBatchHeader.Field.crc, as: UInt32.self) ?? 0
                        let info = try await log.appendAsLeader(batch, leaderEpoch: 0, now: 0)
                        try await log.waitUntilDurable(endOffset: info.lastOffset + 1)
                        FileHandleOut.write("ACK \(info.firstOffset) \(info.lastOffset) \(crc)\n", fd: 1)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    static func makeBatch(records: Int32, payload: [UInt8]) -> ByteBuffer {
        let header = RecordBatchHeader(
            batchLength: Int32(RecordBatchHeader.size - RecordBatchHeader.logOverhead + payload.count),
            lastOffsetDelta: records - 1, baseTimestamp: 1, maxTimestamp: 1, recordCount: records)
        var buffer = ByteBuffer()
        buffer.writeRepeatingByte(0, count: RecordBatchHeader.size)
        header.write(into: &buffer, at: 0)
        buffer.writeBytes(payload)
        RecordBatchHeader.sealCRC(in: &buffer, at: 0)
        return buffer
    }
}

/// Unbuffered writes, so a line is out before the next append starts.
enum FileHandleOut {
    static func write(_ text: String, fd: CInt) {
        var bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n <= 0 { return }
            done += n
        }
    }
}
