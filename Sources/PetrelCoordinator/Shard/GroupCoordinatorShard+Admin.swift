import PetrelProtocol

/// ListGroups, DescribeGroups and DeleteGroups.
public struct ListedGroup: Hashable, Sendable {
    public var groupID: String
    public var protocolType: String
    public var state: ClassicGroup.State
    /// KIP-848's group type; every group here is "classic".
    public var groupType: String

    public init(groupID: String, protocolType: String, state: ClassicGroup.State, groupType: String = "classic") {
        self.groupID = groupID
        self.protocolType = protocolType
        self.state = state
        self.groupType = groupType
    }
}

public struct DescribedGroup: Hashable, Sendable {
    public struct Member: Hashable, Sendable {
        public var memberID: String
        public var groupInstanceID: String?
        public var clientID: String
        public var clientHost: String
        /// The member's metadata for the selected protocol; empty unless the group is Stable.
        public var metadata: [UInt8]
        /// The member's assignment; empty unless the group is Stable.
        public var assignment: [UInt8]

        public init(
            memberID: String, groupInstanceID: String?, clientID: String, clientHost: String, metadata: [UInt8],
            assignment: [UInt8]
        ) {
            self.memberID = memberID
            self.groupInstanceID = groupInstanceID
            self.clientID = clientID
            self.clientHost = clientHost
            self.metadata = metadata
            self.assignment = assignment
        }
    }

    public var groupID: String
    public var errorCode: KafkaErrorCode
    public var state: ClassicGroup.State
    public var protocolType: String
    /// The selected protocol while Stable, else empty (Kafka's `ProtocolData`).
    public var protocolData: String
    public var members: [Member]

    public init(
        groupID: String, errorCode: KafkaErrorCode = .none, state: ClassicGroup.State, protocolType: String,
        protocolData: String, members: [Member]
    ) {
        self.groupID = groupID
        self.errorCode = errorCode
        self.state = state
        self.protocolType = protocolType
        self.protocolData = protocolData
        self.members = members
    }
}

extension GroupCoordinatorShard {
    /// Every group of this shard, groups with only committed offsets included (as Empty), sorted by id.
    /// `statesFilter` and `typesFilter` match case-insensitively; empty filters match everything.
    public func listGroups(statesFilter: [String] = [], typesFilter: [String] = []) -> [ListedGroup] {
        let states = Set(statesFilter.map { $0.lowercased() })
        let types = Set(typesFilter.map { $0.lowercased() })
        return Set(groups.keys).union(offsets.keys).sorted().compactMap { groupID in
            let group = groups[groupID]
            let listed = ListedGroup(
                groupID: groupID, protocolType: group?.protocolType ?? "", state: group?.state ?? .empty)
            guard states.isEmpty || states.contains(listed.state.rawValue.lowercased()),
                types.isEmpty || types.contains(listed.groupType)
            else { return nil }
            return listed
        }
    }

    /// DescribeGroups for one group. A group that does not exist is described as Dead with no error, which
    /// is what DescribeGroups v0-5 clients expect.
    public func describeGroup(_ groupID: String) -> DescribedGroup {
        guard !isLoading else {
            return DescribedGroup(
                groupID: groupID, errorCode: .coordinatorLoadInProgress, state: .dead, protocolType: "",
                protocolData: "", members: [])
        }
        guard let group = groups[groupID] else {
            let state: ClassicGroup.State = offsets[groupID] == nil ? .dead : .empty
            return DescribedGroup(groupID: groupID, state: state, protocolType: "", protocolData: "", members: [])
        }
        let stableProtocol = group.state == .stable ? group.protocolName : nil
        return DescribedGroup(
            groupID: groupID, state: group.state, protocolType: group.protocolType ?? "",
            protocolData: stableProtocol ?? "",
            members: group.members.map { member in
                DescribedGroup.Member(
                    memberID: member.memberID, groupInstanceID: member.groupInstanceID, clientID: member.clientID,
                    clientHost: member.clientHost, metadata: stableProtocol.flatMap { member.metadata(for: $0) } ?? [],
                    assignment: stableProtocol == nil ? [] : member.assignment)
            })
    }

    /// DeleteGroups: only groups without members can go. Writes tombstones for every committed offset and
    /// for the group itself; answer once they are durable.
    public mutating func deleteGroups(_ groupIDs: [String]) -> CoordinatorResult<
        [(groupID: String, errorCode: KafkaErrorCode)]
    > {
        var records: [CoordinatorRecord] = []
        var results: [(groupID: String, errorCode: KafkaErrorCode)] = []
        for groupID in groupIDs {
            let error: KafkaErrorCode =
                if isLoading {
                    .coordinatorLoadInProgress
                } else if groups[groupID] == nil && offsets[groupID] == nil {
                    .groupIDNotFound
                } else if let group = groups[groupID], group.state != .empty {
                    .nonEmptyGroup
                } else {
                    .none
                }
            results.append((groupID, error))
            guard error == .none else { continue }
            let groupRecords: [CoordinatorRecord] =
                (offsets[groupID] ?? [:]).keys.sorted().map {
                    .offsetCommit(groupID: groupID, topic: $0.topic, partition: $0.partition, nil)
                } + [.groupMetadata(groupID: groupID, nil)]
            groupRecords.forEach { replay($0) }
            records += groupRecords
        }
        return CoordinatorResult(records: records, response: results)
    }
}
