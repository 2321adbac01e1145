/// Kafka's per-log-dir offset checkpoint files (`recovery-point-offset-checkpoint`,
/// `log-start-offset-checkpoint`, `cleaner-offset-checkpoint`), text:
/// ```
/// 0                      version
/// 2                      number of entries
/// orders 0 1234          topic partition offset
/// payments 3 88
/// ```
/// Written atomically (temp file, fdatasync, rename, directory fsync).
enum OffsetCheckpointFile {
    struct Key: Hashable, Sendable {
        var topic: String
        var partition: Int32
    }

    static let recoveryPoints = "recovery-point-offset-checkpoint"
    static let logStartOffsets = "log-start-offset-checkpoint"
    /// Each compacted log's `firstDirtyOffset`.
    static let cleanerOffsets = "cleaner-offset-checkpoint"

    static func write(_ entries: [Key: Int64], to path: String) throws(LogError) {
        var text = "0\n\(entries.count)\n"
        for (key, offset) in entries.sorted(by: { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }) {
            text += "\(key.topic) \(key.partition) \(offset)\n"
        }
        try FileSystem.writeAtomically(path, Array(text.utf8))
    }

    /// Missing file: empty. A malformed file is an error naming it (Kafka refuses to start on one too).
    static func read(_ path: String) throws(LogError) -> [Key: Int64] {
        guard let bytes = FileSystem.readAll(path) else { return [:] }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.count >= 2, lines[0] == "0", let count = Int(lines[1]), count == lines.count - 2 else {
            throw LogError(.logDirUnavailable, "malformed checkpoint file \(path)")
        }
        var entries: [Key: Int64] = [:]
        for line in lines.dropFirst(2) {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let partition = Int32(fields[1]), let offset = Int64(fields[2]) else {
                throw LogError(.logDirUnavailable, "malformed line '\(line)' in \(path)")
            }
            entries[Key(topic: String(fields[0]), partition: partition)] = offset
        }
        return entries
    }
}
