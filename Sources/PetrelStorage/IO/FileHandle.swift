import Glibc
import NIOCore

/// An open file descriptor that is closed when the last reference goes away.
///
/// This is the fd lifetime rule of the storage engine: a segment's `.log` fd stays open as long as
/// anything holds its `SegmentFileHandle`: the segment itself, an in-flight ring write, or a
/// `LogReadResult` whose region is being sent with sendfile. Deleting a segment only unlinks its
/// files; the descriptor closes when the last reader releases it, so a fetch in flight never loses
/// its fd (and the fd number is never reused under it).
public final class SegmentFileHandle: Sendable {
    public let fd: CInt
    public let path: String

    init(fd: CInt, path: String) {
        self.fd = fd
        self.path = path
    }

    static func open(_ path: String, create: Bool) throws(LogError) -> SegmentFileHandle {
        let fd = Glibc.open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0o644)
        guard fd >= 0 else { throw LogError(.storage, "open \(path): \(IOErrno(errno))") }
        return SegmentFileHandle(fd: fd, path: path)
    }

    deinit {
        close(fd)
    }

    func size() throws(LogError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw LogError(.storage, "fstat \(path): \(IOErrno(errno))") }
        return Int64(info.st_size)
    }

    /// Reads exactly `count` bytes at `position` (fewer only at end of file).
    func read(at position: Int64, count: Int) throws(LogError) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        var done = 0
        while done < count {
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) { target in
                pread(fd, target.baseAddress, count - done, off_t(position) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw LogError(.storage, "read \(path): \(IOErrno(errno))")
            }
            if n == 0 { break }
            done += n
        }
        return buffer
    }

    /// Writes `buffers` back to back from `position` on the calling thread, with one pwritev per
    /// 1,024 buffers (Linux's IOV_MAX) (an append's header pieces and record slices in one system call): appends
    /// written while the I/O thread is idle. The array keeps the buffers' storage alive meanwhile.
    func write(_ buffers: [ByteBuffer], at position: Int64) throws(IOErrno) {
        var next = 0
        var offset = position
        while next < buffers.count {
            let chunk = buffers[next..<min(buffers.count, next + 1024)]
            var iovecs: [iovec] = []
            iovecs.reserveCapacity(chunk.count)
            for buffer in chunk {
                buffer.withUnsafeReadableBytesWithStorageManagement { bytes, _ in
                    iovecs.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count))
                }
            }
            var written = pwritev(fd, iovecs, Int32(iovecs.count), off_t(offset))
            while written < 0 && errno == EINTR { written = pwritev(fd, iovecs, Int32(iovecs.count), off_t(offset)) }
            if written < 0 { throw IOErrno(errno) }
            // A short write (rare on a regular file) finishes buffer by buffer where it stopped.
            for buffer in chunk {
                let size = buffer.readableBytes
                if written < size, let rest = buffer.getSlice(at: buffer.readerIndex + written, length: size - written) {
                    try write(rest, at: offset + Int64(written))
                }
                written = max(0, written - size)
                offset += Int64(size)
            }
            next += chunk.count
        }
    }

    /// Writes all of `bytes` at `position` on the calling thread (short writes and EINTR continue
    /// where they stopped): the cleaner's output.
    func write(_ bytes: ByteBuffer, at position: Int64) throws(IOErrno) {
        var done = 0
        while done < bytes.readableBytes {
            let n = bytes.withUnsafeReadableBytes { raw in
                pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(position) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw IOErrno(errno)
            }
            if n == 0 { throw IOErrno(EIO) }  // no progress: do not spin
            done += n
        }
    }

    func truncate(to size: Int64) throws(LogError) {
        guard ftruncate(fd, off_t(size)) == 0 else { throw LogError(.storage, "truncate \(path): \(IOErrno(errno))") }
    }

    func sync() throws(LogError) {
        guard fdatasync(fd) == 0 else { throw LogError(.storage, "fdatasync \(path): \(IOErrno(errno))") }
    }
}

/// Small POSIX helpers for directories and whole files.
enum FileSystem {
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func makeDirectory(_ path: String) throws(LogError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw LogError(.storage, "mkdir \(path): \(IOErrno(errno))")
        }
    }

    static func list(_ path: String) throws(LogError) -> [String] {
        guard let dir = opendir(path) else { throw LogError(.storage, "opendir \(path): \(IOErrno(errno))") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func remove(_ path: String) {
        unlink(path)
    }

    static func rename(_ from: String, _ to: String) throws(LogError) {
        guard Glibc.rename(from, to) == 0 else { throw LogError(.storage, "rename \(from): \(IOErrno(errno))") }
    }

    /// Removes a directory tree (partition folders are flat, but be thorough).
    static func removeTree(_ path: String) {
        if isDirectory(path) {
            for name in (try? list(path)) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Replaces `path` atomically: write a temp file, fdatasync, rename, sync the directory.
    static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws(LogError) {
        try writeTemporary(path, bytes).sync()
        try commitTemporary(path)
    }

    /// The first half of `writeAtomically`, for a caller that fdatasyncs through the ring: writes
    /// `<path>.tmp` and returns it open, not yet synced.
    static func writeTemporary(_ path: String, _ bytes: [UInt8]) throws(LogError) -> SegmentFileHandle {
        let temp = path + ".tmp"
        let fd = open(temp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LogError(.storage, "open \(temp): \(IOErrno(errno))") }
        let file = SegmentFileHandle(fd: fd, path: temp)
        do throws(IOErrno) {
            try file.write(ByteBuffer(bytes: bytes), at: 0)
        } catch {
            throw LogError(.storage, "write \(temp): \(error)")
        }
        return file
    }

    /// The second half of `writeAtomically`, once `<path>.tmp` is fdatasync'ed: renames it over `path`
    /// and syncs the directory.
    static func commitTemporary(_ path: String) throws(LogError) {
        try rename(path + ".tmp", path)
        if let slash = path.lastIndex(of: "/") { syncDirectory(String(path[..<slash])) }
    }

    static func readAll(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
        }
    }
}
