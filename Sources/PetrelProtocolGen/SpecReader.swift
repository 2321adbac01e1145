import Foundation

/// Stage 1: reads Kafka's JSON-with-comments spec files into `MessageSpec` values.
enum SpecReader {
    /// One spec file: its path relative to the spec root (for the generated header) and its model.
    struct LoadedSpec {
        var relativePath: String
        var spec: MessageSpec
    }

    /// Spec folders the generator reads, in output order. `streams/` is left out: its one file is a
    /// Kafka Streams assignment format (with `/* */` comments), not a wire or log record.
    static let folders = ["clients", "group-coordinator", "transaction-coordinator", "metadata", "raft", "share-coordinator"]

    static func loadAll(specRoot: URL) throws -> [LoadedSpec] {
        var loaded: [LoadedSpec] = []
        for folder in folders {
            let directory = specRoot.appendingPathComponent(folder)
            guard FileManager.default.fileExists(atPath: directory.path) else { continue }
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".json") }
                .sorted()
            for name in names {
                let data = try Data(contentsOf: directory.appendingPathComponent(name))
                do {
                    let spec = try decode(data)
                    loaded.append(LoadedSpec(relativePath: "\(folder)/\(name)", spec: spec))
                } catch {
                    throw GeneratorError("\(folder)/\(name): \(error)")
                }
            }
        }
        return loaded
    }

    static func decode(_ data: Data) throws -> MessageSpec {
        let text = String(decoding: data, as: UTF8.self)
        return try JSONDecoder().decode(MessageSpec.self, from: Data(stripComments(text).utf8))
    }

    /// Removes `//` comments outside JSON strings (a `//` inside a string, e.g. a URL in an
    /// `about`, is kept). Newlines are kept so decode errors still point at the right line.
    static func stripComments(_ text: String) -> String {
        var output: [UInt8] = []
        let bytes = Array(text.utf8)
        output.reserveCapacity(bytes.count)
        var index = 0
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                output.append(byte)
                if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                    output.append(bytes[index + 1])
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                continue
            } else {
                if byte == UInt8(ascii: "\"") { inString = true }
                output.append(byte)
            }
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }
}

struct GeneratorError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
