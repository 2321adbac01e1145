import PetrelProtocol

/// DeleteGroups v0-2 ↔ `GroupCoordinatorShard.deleteGroups`.
extension DeleteGroupsResponse {
    public init(_ results: [(groupID: String, errorCode: KafkaErrorCode)]) {
        self.init()
        self.results = results.map { result in
            var entry = DeletableGroupResult()
            entry.groupID = result.groupID
            entry.errorCode = result.errorCode.rawValue
            return entry
        }
    }
}
