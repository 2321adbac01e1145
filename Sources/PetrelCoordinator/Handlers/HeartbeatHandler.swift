import PetrelProtocol

/// Heartbeat v0-4 ↔ `GroupCoordinatorShard.heartbeat`.
extension HeartbeatParameters {
    public init(_ request: HeartbeatRequest) {
        self.init(
            groupID: request.groupID, generationID: request.generationID, memberID: request.memberID,
            groupInstanceID: request.groupInstanceID)
    }
}

extension HeartbeatResponse {
    public init(_ errorCode: KafkaErrorCode) {
        self.init()
        self.errorCode = errorCode.rawValue
    }
}
