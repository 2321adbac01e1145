import PetrelProtocol

/// ListGroups v0-5 ↔ `GroupCoordinatorShard.listGroups`. The broker asks every shard it leads and
/// concatenates; a shard still loading makes the answer COORDINATOR_LOAD_IN_PROGRESS, as in Kafka.
extension ListGroupsResponse {
    public init(_ groups: [PetrelCoordinator.ListedGroup], errorCode: KafkaErrorCode = .none) {
        self.init()
        self.errorCode = errorCode.rawValue
        self.groups = groups.map { group in
            var entry = ListedGroup()
            entry.groupID = group.groupID
            entry.protocolType = group.protocolType
            entry.groupState = group.state.rawValue
            entry.groupType = group.groupType
            return entry
        }
    }
}
