
/// A `log.dirs` entry shared by its partitions: its path and whether it is still writable.
///
/// An I/O error on any partition marks the whole directory offline for writes, as Kafka does (the
/// broker then reports KAFKA_STORAGE_ERROR for its partitions); reads of acknowledged data go on.
public final class LogDirectory: Sendable {
    public let path: String
    private let offlineReason = Locked<String?>(nil)

    init(path: String) {
        self.path = path
    }

    public var isOffline: Bool { offlineReason.withLock { $0 != nil } }
    public var offlineDetail: String? { offlineReason.withLock { $0 } }

    func markOffline(_ reason: String) {
        offlineReason.withLock { current in
            if current == nil { current = reason }
        }
    }
}
