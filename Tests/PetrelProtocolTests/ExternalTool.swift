import Foundation
import NIOCore

/// Runs reference command-line tools (lz4, zstd, gzip, python3) as filters for cross-implementation
/// tests. Input and output go through temporary files, so large payloads cannot deadlock on pipes.
enum ExternalTool {
    struct Failure: Error, CustomStringConvertible {
        var command: [String]
        var status: Int32
        var stderr: String
        var description: String { "\(command.joined(separator: " ")) exited \(status): \(stderr)" }
    }

    /// Feeds `input` to `command`'s stdin and returns its stdout; throws when it exits non-zero.
    static func filter(_ command: [String], input: ByteBuffer) throws -> ByteBuffer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("petrel-tool-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inURL = directory.appendingPathComponent("in")
        let outURL = directory.appendingPathComponent("out")
        let errURL = directory.appendingPathComponent("err")
        try Data(input.readableBytesView).write(to: inURL)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let stdin = try FileHandle(forReadingFrom: inURL)
        let stdout = try FileHandle(forWritingTo: outURL)
        let stderr = try FileHandle(forWritingTo: errURL)
        defer { try? stdin.close(); try? stdout.close(); try? stderr.close() }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw Failure(command: command, status: process.terminationStatus, stderr: message)
        }
        return ByteBuffer(bytes: try Data(contentsOf: outURL))
    }

    /// Runs a Python snippet as a stdin-to-stdout filter (`data = sys.stdin.buffer.read()` is in scope;
    /// the snippet writes to `sys.stdout.buffer`).
    static func python(_ body: String, input: ByteBuffer) throws -> ByteBuffer {
        try filter(["python3", "-c", "import sys\ndata = sys.stdin.buffer.read()\n" + body], input: input)
    }
}
