import FoundationEssentials

/// `<log dir>/meta.properties`, Kafka's KRaft format, written when a log dir is first used:
/// ```
/// version=1
/// cluster.id=<22-char base64url uuid>
/// node.id=<node.id>
/// ```
/// A later start with a different `node.id` is refused: the directory belongs to another broker.
struct MetaProperties: Equatable, Sendable {
    static let fileName = "meta.properties"

    var clusterID: String
    var nodeID: Int32

    struct Error: Swift.Error, CustomStringConvertible {
        var description: String
    }

    /// Loads `meta.properties` from `directory`, or creates the directory and the file with a fresh
    /// cluster id. Throws when the file is unreadable or belongs to another node.
    static func loadOrFormat(
        directory: String, nodeID: Int32, newClusterID: () -> String
    ) throws -> (MetaProperties, formatted: Bool) {
        let url = URL(filePath: directory).appending(path: fileName)
        if FileManager.default.fileExists(atPath: url.path) {
            let text = try String(contentsOf: url, encoding: .utf8)
            let values = try JavaProperties(parsing: text).values
            guard values["version"] == "1" else {
                throw Error(description: "\(url.path): unsupported version \(values["version"] ?? "missing")")
            }
            guard let clusterID = values["cluster.id"], !clusterID.isEmpty,
                let storedNode = values["node.id"].flatMap({ Int32($0) })
            else {
                throw Error(description: "\(url.path): cluster.id or node.id missing")
            }
            guard storedNode == nodeID else {
                throw Error(
                    description:
                        "\(url.path) belongs to node.id \(storedNode) but this broker is configured as node.id \(nodeID)")
            }
            return (MetaProperties(clusterID: clusterID, nodeID: nodeID), false)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let meta = MetaProperties(clusterID: newClusterID(), nodeID: nodeID)
        let text = "#Written by petrel broker; do not edit.\nversion=1\ncluster.id=\(meta.clusterID)\nnode.id=\(nodeID)\n"
        try Data(text.utf8).write(to: url, options: .atomic)
        return (meta, true)
    }
}
