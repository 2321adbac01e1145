/// Where the metadata log lives. Declared here, implemented by the broker (on a PetrelStorage
/// partition log, records wrapped in record batches); the cluster milestone puts a Raft quorum behind it.
public protocol MetadataLog: Sendable {
    /// Appends `records` as one atomic batch and returns once it is durable, with the offset of each record.
    func append(_ records: [MetadataRecord]) async throws -> [Int64]
    /// Every record in the log, oldest first, for replay at start.
    func readAll() async throws -> [(offset: Int64, record: MetadataRecord)]
}

extension MetadataImage {
    /// Replays `log` into a fresh image.
    public static func replay(_ log: some MetadataLog, clusterID: String) async throws -> MetadataImage {
        var image = MetadataImage(clusterID: clusterID)
        for (offset, record) in try await log.readAll() {
            image = try image.applying(record, offset: offset)
        }
        return image
    }
}
