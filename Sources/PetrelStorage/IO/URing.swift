import CSystemShims
import Glibc
import Logging
import NIOCore

/// `log.io.engine`: how segment writes reach the disk.
public enum IOEngine: String, Sendable, Hashable, CaseIterable {
    /// Batched writev + linked fdatasync through io_uring; falls back to `sync` (logged once) when the
    /// kernel refuses a ring (ENOSYS, EPERM from `kernel.io_uring_disabled` or seccomp).
    case ioUring = "io_uring"
    /// pwritev + fdatasync on the submitting thread; same semantics, no kernel queue.
    case sync
}

/// An errno from a file operation, kept as a value so callers can tell ENOSPC from EIO.
public struct IOErrno: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: Int32
    public init(_ code: Int32) { self.code = code }
    public var description: String { "errno \(code) (\(String(cString: strerror(code))))" }
}

/// One vectored write at a file offset, optionally followed by an fdatasync of the same file.
///
/// The buffers are retained by the ring until the write's completion is reaped, so callers may
/// drop their references right after `submit`. With no buffers and `sync` set it is a pure flush.
public struct RingWrite {
    public var fd: CInt
    public var offset: Int64
    public var buffers: [ByteBuffer]
    public var sync: Bool
    /// Caller's identifier, handed back in the completion.
    public var id: UInt64

    public init(fd: CInt, offset: Int64, buffers: [ByteBuffer], sync: Bool, id: UInt64) {
        self.fd = fd
        self.offset = offset
        self.buffers = buffers
        self.sync = sync
        self.id = id
    }
}

/// A finished `RingWrite`: all its bytes written (and synced when asked), or the errno that stopped it.
public struct RingCompletion: Sendable {
    public var id: UInt64
    public var result: Result<Int, IOErrno>
}

/// Swift face of the CSystemShims ring: the only file that touches the C ring API.
///
/// Owned by one thread (the storage I/O thread or a benchmark); not thread-safe, hence not Sendable.
/// Many writes to many files go to the kernel in one `submit` call (one io_uring_submit), each with an
/// optional linked fdatasync; short writes and EINTR/EAGAIN are resubmitted inside the shim.
public final class URing {
    /// The engine actually in use (`.sync` after a fallback).
    public let engine: IOEngine
    private let ring: OpaquePointer
    /// Buffers of in-flight writes, retained until their completion is reaped.
    private var retained: [UInt64: [ByteBuffer]] = [:]
    private var completions: [CSystemShims_completion]

    /// Creates a ring of `entries` submission slots using `engine`.
    ///
    /// When `.ioUring` is asked for but unavailable, the sync engine is used and one warning is
    /// logged. `simulateUnavailable` is the test hook that makes the kernel "refuse" the ring.
    public init(
        entries: UInt32 = 1024, engine requested: IOEngine, logger: Logger, simulateUnavailable: Bool = false
    ) throws(IOErrno) {
        let request: Int32
        switch requested {
        case .sync: request = Int32(CSystemShims_RING_REQUEST_SYNC)
        case .ioUring:
            request = Int32(simulateUnavailable ? CSystemShims_RING_REQUEST_AUTO_FORCE_UNAVAILABLE : CSystemShims_RING_REQUEST_AUTO)
        }
        var uringError: Int32 = 0
        guard let ring = CSystemShims_ring_create(entries, request, &uringError) else { throw IOErrno(errno) }
        self.ring = ring
        engine = CSystemShims_ring_engine(ring) == Int32(CSystemShims_RING_ENGINE_URING) ? .ioUring : .sync
        completions = Array(repeating: CSystemShims_completion(), count: 1024)
        if requested == .ioUring && engine == .sync {
            logger.warning(
                "io_uring unavailable, using the pwritev/fdatasync fallback",
                metadata: ["petrel_errno": "\(IOErrno(uringError))"]
            )
        }
    }

    deinit {
        CSystemShims_ring_destroy(ring)
    }

    /// Readable when completions are waiting (read it to reset); for event-loop integration.
    public var eventFD: CInt { CSystemShims_ring_eventfd(ring) }

    /// Writes submitted whose completion has not been reaped yet.
    public var inFlight: Int { CSystemShims_ring_in_flight(ring) }

    /// Submits every write in one go. On error the writes from the failing one onwards were not queued
    /// (and produce no completion); the earlier ones complete normally.
    public func submit(_ writes: [RingWrite]) throws(IOErrno) {
        var queued = 0
        var iovecs: [iovec] = []
        iovecs.reserveCapacity(writes.reduce(0) { $0 + $1.buffers.count })
        for write in writes {
            for buffer in write.buffers {
                buffer.withUnsafeReadableBytesWithStorageManagement { bytes, _ in
                    // The storage stays alive: `retained` holds the buffer until the completion.
                    iovecs.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count))
                }
            }
        }
        let rc: Int32 = iovecs.withUnsafeBufferPointer { iov in
            var ops: [CSystemShims_write_op] = []
            ops.reserveCapacity(writes.count)
            var next = 0
            for write in writes {
                let start = iov.baseAddress.map { $0 + next }
                ops.append(CSystemShims_write_op(
                    fd: write.fd, sync: write.sync ? 1 : 0, offset: UInt64(write.offset),
                    iov: write.buffers.isEmpty ? nil : start, iovcnt: Int32(write.buffers.count), user_data: write.id
                ))
                next += write.buffers.count
            }
            for write in writes { retained[write.id] = write.buffers }
            return CSystemShims_ring_submit_writes(ring, ops, ops.count, &queued)
        }
        if rc < 0 {
            for write in writes[queued...] { retained[write.id] = nil }
            throw IOErrno(-rc)
        }
    }

    /// Finished writes: waits up to `timeoutMilliseconds` for the first one (0 never blocks, -1 waits
    /// until one arrives or nothing is in flight).
    public func reap(timeoutMilliseconds: Int32) throws(IOErrno) -> [RingCompletion] {
        let count = completions.withUnsafeMutableBufferPointer { out in
            CSystemShims_ring_reap(ring, out.baseAddress, out.count, timeoutMilliseconds)
        }
        if count < 0 { throw IOErrno(-count) }
        var result: [RingCompletion] = []
        result.reserveCapacity(Int(count))
        for completion in completions[0..<Int(count)] {
            retained[completion.user_data] = nil
            let outcome: Result<Int, IOErrno> =
                completion.result < 0 ? .failure(IOErrno(Int32(-completion.result))) : .success(Int(completion.result))
            result.append(RingCompletion(id: completion.user_data, result: outcome))
        }
        return result
    }
}
