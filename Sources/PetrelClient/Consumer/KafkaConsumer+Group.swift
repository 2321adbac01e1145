import PetrelProtocol

/// A consumer's membership in its group (classic protocol).
struct GroupMembership {
    var topics: [String]
    var memberID = ""
    var generationID: Int32 = -1
    var protocolName: String?
    /// Set when the consumer must (re)join: first subscribe, heartbeat saw a rebalance, cooperative revocation.
    var needsJoin = true
    var joining = false
    var heartbeat: Task<Void, Never>?
}

/// Group membership: JoinGroup / SyncGroup (the leader runs the assignor), Heartbeat, LeaveGroup.
///
/// Eager assignors (range, roundrobin): every partition is given up before joining. Cooperative
/// (cooperative-sticky): the member keeps its partitions across the join; after SyncGroup it drops
/// only those no longer assigned and, if it dropped any, rejoins at once so they can move (KIP-429).
extension KafkaConsumer {
    /// Subscribes to `topics` with the consumer's group (`group.id` required). The join happens in `poll`.
    public func subscribe(topics: [String]) throws(KafkaClientError) {
        guard configuration.groupID != nil else { throw .invalidArgument("subscribe needs group.id") }
        guard !topics.isEmpty else { throw .invalidArgument("subscribe needs at least one topic") }
        guard !configuration.assignors.isEmpty else { throw .invalidArgument("no partition.assignment.strategy") }
        if group == nil {
            setAssignment([])
            group = GroupMembership(topics: topics.sorted())
        } else if group?.topics != topics.sorted() {
            group?.topics = topics.sorted()
            group?.needsJoin = true
        }
    }

    /// Leaves the group and drops the assignment.
    public func unsubscribe() async {
        await leaveGroup()
        group = nil
        setAssignment([])
    }

    /// The member id and generation while in a group (for tests and diagnostics).
    public var groupGeneration: (memberID: String, generationID: Int32)? {
        group.map { ($0.memberID, $0.generationID) }
    }

    /// Joins (or rejoins) until a member with an assignment, or until `deadline` (poll's timeout) when
    /// the coordinator keeps failing; a join already sent is waited for.
    func ensureGroupMembership(until deadline: ContinuousClock.Instant) async throws(KafkaClientError) {
        while let current = group, current.needsJoin, !isClosed {
            try await joinAndSync()
            if ContinuousClock.now >= deadline { break }
        }
        if group != nil && group?.heartbeat == nil { startHeartbeats() }
    }

    private var rebalanceProtocol: RebalanceProtocol {
        let name = group?.protocolName ?? configuration.assignors[0].name
        return configuration.assignors.first { $0.name == name }?.rebalanceProtocol ?? .eager
    }

    private func joinAndSync() async throws(KafkaClientError) {
        guard let groupID = configuration.groupID, var membership = group else { return }
        group?.joining = true
        defer { group?.joining = false }
        let coordinator = try await client.retrying("FindCoordinator(\(groupID))") { () async throws(KafkaClientError) in
            try await client.coordinator(forGroup: groupID)
        }
        if rebalanceProtocol == .eager && !assigned.isEmpty {
            if configuration.enableAutoCommit { try? await commit() }
            setAssignment([])
        }
        let owned = assignment
        var request = JoinGroupRequest()
        request.groupID = groupID
        request.sessionTimeoutMs = milliseconds(configuration.sessionTimeout)
        request.rebalanceTimeoutMs = milliseconds(configuration.rebalanceTimeout)
        request.memberID = membership.memberID
        request.groupInstanceID = configuration.groupInstanceID
        request.protocolType = "consumer"
        request.reason = nil
        for assignor in configuration.assignors {
            var entry = JoinGroupRequest.JoinGroupRequestProtocol()
            entry.name = assignor.name
            let cooperative = assignor.rebalanceProtocol == .cooperative
            entry.metadata = try ConsumerProtocol.encodeSubscription(
                topics: membership.topics, ownedPartitions: owned, generationID: membership.generationID,
                rackID: nil, userData: cooperative ? ConsumerProtocol.generationUserData(membership.generationID) : nil)
            request.protocols.append(entry)
        }
        let join: JoinGroupResponse
        do {
            join = try await client.send(request, to: coordinator, timeout: configuration.rebalanceTimeout + .seconds(5))
        } catch {
            try await recoverFromGroupError(error, groupID: groupID)
            return
        }
        switch KafkaErrorCode(rawValue: join.errorCode) {
        case .none: break
        case .memberIDRequired:
            group?.memberID = join.memberID
            return
        case .unknownMemberID, .illegalGeneration:
            group?.memberID = ""
            group?.generationID = -1
            return
        case let code:
            try await recoverFromGroupError(.broker(code, "JoinGroup(\(groupID))"), groupID: groupID)
            return
        }
        membership.memberID = join.memberID
        membership.generationID = join.generationID
        membership.protocolName = join.protocolName
        group?.memberID = join.memberID
        group?.generationID = join.generationID
        group?.protocolName = join.protocolName

        var sync = SyncGroupRequest()
        sync.groupID = groupID
        sync.generationID = join.generationID
        sync.memberID = join.memberID
        sync.groupInstanceID = configuration.groupInstanceID
        sync.protocolType = "consumer"
        sync.protocolName = join.protocolName
        if join.leader == join.memberID && !join.skipAssignment {
            sync.assignments = try await leaderAssignments(join)
        }
        let synced: SyncGroupResponse
        do {
            synced = try await client.send(sync, to: coordinator, timeout: configuration.rebalanceTimeout + .seconds(5))
        } catch {
            try await recoverFromGroupError(error, groupID: groupID)
            return
        }
        switch KafkaErrorCode(rawValue: synced.errorCode) {
        case .none: break
        case .rebalanceInProgress: return  // join again
        case .unknownMemberID, .illegalGeneration:
            group?.memberID = ""
            group?.generationID = -1
            setAssignment([])
            return
        case let code:
            try await recoverFromGroupError(.broker(code, "SyncGroup(\(groupID))"), groupID: groupID)
            return
        }
        let newAssignment = try ConsumerProtocol.decodeAssignment(synced.assignment)
        let revoked = Set(owned).subtracting(newAssignment)
        if !revoked.isEmpty && configuration.enableAutoCommit {
            var offsets: [TopicPartition: Int64] = [:]
            for partition in revoked { if let position = consumedPosition(partition) { offsets[partition] = position } }
            try? await commit(offsets)
        }
        setAssignment(newAssignment)
        // Cooperative: partitions just revoked can only move to their new owner in another round.
        let rejoin = rebalanceProtocol == .cooperative && !revoked.isEmpty
        group?.needsJoin = rejoin
    }

    /// The leader's SyncGroup assignments: every member's subscription decoded, the chosen assignor run.
    private func leaderAssignments(_ join: JoinGroupResponse) async throws(KafkaClientError)
        -> [SyncGroupRequest.SyncGroupRequestAssignment]
    {
        guard let name = join.protocolName, let assignor = configuration.assignors.first(where: { $0.name == name }) else {
            throw .invalidArgument("group chose assignor \(join.protocolName ?? "none"), not one of ours")
        }
        var members: [MemberSubscription] = []
        for member in join.members {
            members.append(
                try ConsumerProtocol.decodeSubscription(member.metadata, memberID: member.memberID, groupInstanceID: member.groupInstanceID))
        }
        let topics = Array(Set(members.flatMap(\.topics))).sorted()
        let metadata = try await client.metadata(topics: topics, refresh: true)
        var counts: [String: Int32] = [:]
        for topic in topics { if let count = metadata.partitionCount(of: topic) { counts[topic] = count } }
        let result = assignor.assign(partitionCounts: counts, members: members)
        var assignments: [SyncGroupRequest.SyncGroupRequestAssignment] = []
        for member in members {
            var entry = SyncGroupRequest.SyncGroupRequestAssignment()
            entry.memberID = member.memberID
            entry.assignment = try ConsumerProtocol.encodeAssignment(result[member.memberID] ?? [])
            assignments.append(entry)
        }
        return assignments
    }

    /// Retriable coordinator errors: forget the coordinator and back off (the loop rejoins). Others throw.
    private func recoverFromGroupError(_ error: KafkaClientError, groupID: String) async throws(KafkaClientError) {
        guard error.isRetriable || error.brokerErrorCode == .rebalanceInProgress else { throw error }
        await client.invalidateCoordinator(forGroup: groupID)
        try? await Task.sleep(for: configuration.client.retryBackoff)
    }

    func startHeartbeats() {
        let interval = configuration.heartbeatInterval
        group?.heartbeat = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, await self.heartbeat() else { return }
            }
        }
    }

    /// Sends one heartbeat; returns false when heartbeats should stop (left the group, closed).
    private func heartbeat() async -> Bool {
        guard let groupID = configuration.groupID, let membership = group, !isClosed else { return false }
        guard !membership.joining, !membership.needsJoin, membership.generationID >= 0 else { return true }
        var request = HeartbeatRequest()
        request.groupID = groupID
        request.generationID = membership.generationID
        request.memberID = membership.memberID
        request.groupInstanceID = configuration.groupInstanceID
        do {
            let coordinator = try await client.coordinator(forGroup: groupID)
            let response = try await client.send(request, to: coordinator)
            // A join that started while the heartbeat was out decides the state now.
            guard group?.generationID == membership.generationID else { return true }
            switch KafkaErrorCode(rawValue: response.errorCode) {
            case .none: break
            case .rebalanceInProgress: group?.needsJoin = true
            case .unknownMemberID, .illegalGeneration, .fencedInstanceID:
                group?.memberID = response.errorCode == KafkaErrorCode.illegalGeneration.rawValue ? membership.memberID : ""
                group?.generationID = -1
                group?.needsJoin = true
                setAssignment([])  // partitions lost: another member may own them now
            default:
                await client.invalidateCoordinator(forGroup: groupID)
            }
        } catch {
            await client.invalidateCoordinator(forGroup: groupID)
        }
        return true
    }

    func leaveGroup() async {
        guard let groupID = configuration.groupID, let membership = group else { return }
        membership.heartbeat?.cancel()
        group?.heartbeat = nil
        guard !membership.memberID.isEmpty else { return }
        var request = LeaveGroupRequest()
        request.groupID = groupID
        request.memberID = membership.memberID
        var identity = LeaveGroupRequest.MemberIdentity()
        identity.memberID = membership.memberID
        identity.groupInstanceID = configuration.groupInstanceID
        request.members = [identity]
        if let coordinator = try? await client.coordinator(forGroup: groupID),
            let version = try? await client.version(of: LeaveGroupRequest.self, on: coordinator)
        {
            if version >= 3 { request.memberID = "" } else { request.members = [] }
            _ = try? await client.send(request, to: coordinator)
        }
        group?.memberID = ""
        group?.generationID = -1
        group?.needsJoin = true
    }
}

/// A `Duration` as whole milliseconds for an int32 wire field (clamped).
func milliseconds(_ duration: Duration) -> Int32 {
    let (seconds, attoseconds) = duration.components
    return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
}
