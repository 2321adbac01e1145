import PetrelProtocol

/// A broker as FindCoordinator names it.
public struct CoordinatorNode: Hashable, Sendable {
    public var nodeID: Int32
    public var host: String
    public var port: Int32
    public init(nodeID: Int32, host: String, port: Int32) {
        self.nodeID = nodeID
        self.host = host
        self.port = port
    }
}

/// FindCoordinator v0-6. v0-3 ask for one key, v4+ for many (KIP-699). Key type 0 is a group (its
/// `__consumer_offsets` partition), 1 a transactional id (its `__transaction_state` partition); both use
/// Kafka's `abs(hashCode) % partitions`.
extension FindCoordinatorResponse {
    /// `leader(keyType, partition)` is the broker leading that partition of the coordinator's topic, or nil
    /// when it has no leader yet (COORDINATOR_NOT_AVAILABLE; clients retry).
    public init(
        answering request: FindCoordinatorRequest, version: Int16, partitionCount: (Int8) -> Int32,
        leader: (Int8, Int32) -> CoordinatorNode?
    ) {
        self.init()
        let keys = version >= 4 ? request.coordinatorKeys : [request.key]
        let answers = keys.map { key -> Coordinator in
            var entry = Coordinator()
            entry.key = key
            entry.errorMessage = nil
            guard request.keyType == 0 || request.keyType == 1, !key.isEmpty else {
                entry.errorCode = KafkaErrorCode.invalidRequest.rawValue
                return entry
            }
            let partition = GroupCoordinatorPartitioner.partition(
                for: key, partitionCount: partitionCount(request.keyType))
            guard let node = leader(request.keyType, partition) else {
                entry.errorCode = KafkaErrorCode.coordinatorNotAvailable.rawValue
                entry.nodeID = -1
                entry.host = ""
                entry.port = -1
                return entry
            }
            entry.nodeID = node.nodeID
            entry.host = node.host
            entry.port = node.port
            return entry
        }
        guard version >= 4 else {
            let answer = answers.first ?? Coordinator()
            errorCode = answer.errorCode
            errorMessage = nil
            nodeID = answer.nodeID
            host = answer.host
            port = answer.port
            return
        }
        coordinators = answers
    }
}
