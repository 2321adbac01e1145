import PetrelProtocol

/// SyncGroup v0-5 ↔ `GroupCoordinatorShard.syncGroup`.
extension SyncGroupParameters {
    public init(_ request: SyncGroupRequest) {
        self.init(
            groupID: request.groupID, generationID: request.generationID, memberID: request.memberID,
            groupInstanceID: request.groupInstanceID, protocolType: request.protocolType,
            protocolName: request.protocolName,
            assignments: request.assignments.map { Assignment(memberID: $0.memberID, assignment: $0.assignment) })
    }
}

extension SyncGroupResponse {
    public init(_ result: SyncGroupResult, version: Int16) {
        self.init()
        errorCode = result.errorCode.rawValue
        if version >= 5 {
            protocolType = result.protocolType
            protocolName = result.protocolName
        }
        assignment = result.assignment
    }
}
