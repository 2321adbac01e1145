import PetrelProtocol

extension ClassicGroup {
    /// SyncGroup. Followers park until the leader's SyncGroup brings the assignments; the leader's makes the
    /// group Stable and persists it, and every parked SyncGroup is answered once that record is durable.
    /// In a Stable group a late follower gets its assignment at once.
    public mutating func sync(
        _ request: SyncGroupParameters, requestID: RequestID, now: CoordinatorInstant
    ) -> [CoordinatorAction] {
        let index: Int
        switch validateMember(request.memberID, groupInstanceID: request.groupInstanceID) {
        case .member(let found): index = found
        case .rejected(let error): return [.respondSync(requestID, .failure(error))]
        }
        guard request.generationID == generationID else {
            return [.respondSync(requestID, .failure(.illegalGeneration))]
        }
        if let type = request.protocolType, type != protocolType {
            return [.respondSync(requestID, .failure(.inconsistentGroupProtocol))]
        }
        if let name = request.protocolName, name != protocolName {
            return [.respondSync(requestID, .failure(.inconsistentGroupProtocol))]
        }
        var actions: [CoordinatorAction] = []
        switch state {
        case .empty, .dead:
            actions.append(.respondSync(requestID, .failure(.unknownMemberID)))
        case .preparingRebalance:
            actions.append(.respondSync(requestID, .failure(.rebalanceInProgress)))
        case .completingRebalance:
            if let previous = members[index].awaitingSync {
                actions.append(.respondSync(previous, .failure(.rebalanceInProgress)))
            }
            members[index].awaitingSync = requestID
            markSynced(request.memberID, actions: &actions)
            if request.memberID == leaderID {
                completeAssignment(request.assignments, now: now, actions: &actions)
            }
        case .stable:
            markSynced(request.memberID, actions: &actions)
            actions.append(.respondSync(requestID, syncResult(for: members[index])))
            scheduleHeartbeat(at: index, now: now, actions: &actions)
        }
        return actions
    }

    private mutating func markSynced(_ memberID: String, actions: inout [CoordinatorAction]) {
        pendingSyncMembers.remove(memberID)
        if pendingSyncMembers.isEmpty { clearPendingSync(actions: &actions) }
    }

    private func syncResult(for member: ClassicGroupMember) -> SyncGroupResult {
        SyncGroupResult(protocolType: protocolType, protocolName: protocolName, assignment: member.assignment)
    }

    /// The leader's assignments arrived: members it left out get an empty one (Kafka's rule), the group is
    /// Stable, and the parked SyncGroups are answered after the group record is durable.
    private mutating func completeAssignment(
        _ assignments: [SyncGroupParameters.Assignment], now: CoordinatorInstant, actions: inout [CoordinatorAction]
    ) {
        var byMember: [String: [UInt8]] = [:]
        for entry in assignments { byMember[entry.memberID] = entry.assignment }
        var responses: [CoordinatorAction] = []
        for index in members.indices {
            members[index].assignment = byMember[members[index].memberID] ?? []
            if let waiting = members[index].awaitingSync {
                responses.append(.respondSync(waiting, syncResult(for: members[index])))
                members[index].awaitingSync = nil
                scheduleHeartbeat(at: index, now: now, actions: &actions)
            }
        }
        transition(to: .stable, now: now)
        actions.append(.appendRecords([snapshotRecord], then: responses))
    }

    /// Heartbeat: keeps the member's session alive, and during a rebalance tells it to rejoin with
    /// REBALANCE_IN_PROGRESS (how Stable members, including cooperative-sticky ones, learn of a rebalance).
    public mutating func heartbeat(
        _ request: HeartbeatParameters, requestID: RequestID, now: CoordinatorInstant
    ) -> [CoordinatorAction] {
        let index: Int
        switch validateMember(request.memberID, groupInstanceID: request.groupInstanceID) {
        case .member(let found): index = found
        case .rejected(let error): return [.respondHeartbeat(requestID, error)]
        }
        guard request.generationID == generationID else { return [.respondHeartbeat(requestID, .illegalGeneration)] }
        var actions: [CoordinatorAction] = []
        switch state {
        case .empty, .dead:
            actions.append(.respondHeartbeat(requestID, .unknownMemberID))
        case .preparingRebalance:
            scheduleHeartbeat(at: index, now: now, actions: &actions)
            actions.append(.respondHeartbeat(requestID, .rebalanceInProgress))
        case .completingRebalance, .stable:
            scheduleHeartbeat(at: index, now: now, actions: &actions)
            actions.append(.respondHeartbeat(requestID, .none))
        }
        return actions
    }

    /// LeaveGroup for one or more members (v3+ batches them). A static member may be named by instance id
    /// alone; a member id handed out with MEMBER_ID_REQUIRED may leave before it ever joined.
    public mutating func leave(
        _ leaving: [LeavingMember], requestID: RequestID, now: CoordinatorInstant
    ) -> [CoordinatorAction] {
        var actions: [CoordinatorAction] = []
        var results: [LeaveGroupResult.Member] = []
        for member in leaving {
            let error = removeLeavingMember(member, now: now, actions: &actions)
            results.append(
                LeaveGroupResult.Member(
                    memberID: member.memberID, groupInstanceID: member.groupInstanceID, errorCode: error))
        }
        actions.append(.respondLeave(requestID, LeaveGroupResult(members: results)))
        return actions
    }

    private mutating func removeLeavingMember(
        _ member: LeavingMember, now: CoordinatorInstant, actions: inout [CoordinatorAction]
    ) -> KafkaErrorCode {
        if member.memberID.isEmpty {
            guard let groupInstanceID = member.groupInstanceID, let index = staticMemberIndex(groupInstanceID)
            else { return .unknownMemberID }
            removeMember(at: index, now: now, actions: &actions)
            return .none
        }
        if pendingMembers.removeValue(forKey: member.memberID) != nil {
            actions.append(.cancelTimer(.pendingMember(groupID: groupID, memberID: member.memberID)))
            completeJoinIfAllJoined(now: now, actions: &actions)
            return .none
        }
        switch validateMember(member.memberID, groupInstanceID: member.groupInstanceID) {
        case .member(let index):
            removeMember(at: index, now: now, actions: &actions)
            return .none
        case .rejected(let error):
            return error
        }
    }

    /// A timer of this group fired. Each kind re-checks its deadline, so late or stale fires do nothing.
    public mutating func timerFired(_ timer: CoordinatorTimer, now: CoordinatorInstant) -> [CoordinatorAction] {
        var actions: [CoordinatorAction] = []
        switch timer {
        case .heartbeat(_, let memberID):
            expireMemberIfDue(memberID, now: now, actions: &actions)
        case .pendingMember(_, let memberID):
            if let deadline = pendingMembers[memberID], deadline <= now {
                pendingMembers[memberID] = nil
                completeJoinIfAllJoined(now: now, actions: &actions)
            }
        case .join:
            if let joinPhase, joinPhase.deadline <= now { joinPhaseEnded(joinPhase, now: now, actions: &actions) }
        case .sync:
            if let syncDeadline, syncDeadline <= now { syncPhaseEnded(now: now, actions: &actions) }
        case .offsetExpiration:
            break
        }
        return actions
    }

    /// Session expiry. A member parked in JoinGroup or SyncGroup is not expected to heartbeat (the join and
    /// sync deadlines cover it), except a new member past `newMemberJoinTimeout`.
    private mutating func expireMemberIfDue(
        _ memberID: String, now: CoordinatorInstant, actions: inout [CoordinatorAction]
    ) {
        guard let index = memberIndex(memberID), members[index].heartbeatDeadline <= now else { return }
        let member = members[index]
        let keptAlive = (member.awaitingJoin != nil && !member.isNew) || member.awaitingSync != nil
        if !keptAlive { removeMember(at: index, now: now, actions: &actions) }
    }

    /// The join deadline passed. The initial delay is extended while new members keep arriving, up to the
    /// rebalance timeout; otherwise the join phase ends with whoever rejoined.
    private mutating func joinPhaseEnded(
        _ phase: JoinPhase, now: CoordinatorInstant, actions: inout [CoordinatorAction]
    ) {
        if case .initialDelay(_, let remaining) = phase, newMemberAdded, remaining > .zero {
            newMemberAdded = false
            let delay = min(config.initialRebalanceDelay, remaining)
            let next = JoinPhase.initialDelay(deadline: now + delay, remaining: max(remaining - delay, .zero))
            joinPhase = next
            actions.append(.scheduleTimer(.join(groupID: groupID), deadline: next.deadline))
        } else {
            completeJoin(now: now, actions: &actions)
        }
    }

    /// Members that never sent SyncGroup within the rebalance timeout are dropped and the rest rebalance.
    private mutating func syncPhaseEnded(now: CoordinatorInstant, actions: inout [CoordinatorAction]) {
        syncDeadline = nil
        guard state == .completingRebalance || state == .stable, !pendingSyncMembers.isEmpty else { return }
        for memberID in pendingSyncMembers.sorted() {
            if let index = memberIndex(memberID) { detachMember(at: index, actions: &actions) }
        }
        pendingSyncMembers = []
        prepareRebalance(now: now, actions: &actions)
    }

    /// The coordinator moves away: parked requests learn NOT_COORDINATOR (their clients look the coordinator
    /// up again) and every timer of the group is cancelled.
    mutating func unload() -> [CoordinatorAction] {
        var actions: [CoordinatorAction] = []
        for index in members.indices {
            if let waiting = members[index].awaitingJoin {
                actions.append(.respondJoin(waiting, .failure(.notCoordinator, memberID: members[index].memberID)))
                members[index].awaitingJoin = nil
            }
            if let waiting = members[index].awaitingSync {
                actions.append(.respondSync(waiting, .failure(.notCoordinator)))
                members[index].awaitingSync = nil
            }
            actions.append(.cancelTimer(heartbeatTimer(members[index].memberID)))
        }
        for memberID in pendingMembers.keys.sorted() {
            actions.append(.cancelTimer(.pendingMember(groupID: groupID, memberID: memberID)))
        }
        actions.append(.cancelTimer(.join(groupID: groupID)))
        actions.append(.cancelTimer(.sync(groupID: groupID)))
        return actions
    }

    /// After loading, every member gets a full session to heartbeat to this coordinator. A group larger
    /// than `group.max.size` (lowered since it formed) rebalances, and only as many members as fit get back in.
    mutating func loadCompleted(now: CoordinatorInstant) -> [CoordinatorAction] {
        var actions: [CoordinatorAction] = []
        for index in members.indices { scheduleHeartbeat(at: index, now: now, actions: &actions) }
        if members.count > config.groupSizeMax { prepareRebalance(now: now, actions: &actions) }
        return actions
    }

    /// Kafka's `ClassicGroup.validateOffsetCommit`. Generation -1 without a member id is an admin tool or a
    /// consumer that assigns partitions itself: allowed only while the group has no members.
    func validateOffsetCommit(generationID: Int32, memberID: String, groupInstanceID: String?) -> KafkaErrorCode {
        if generationID < 0 && state == .empty { return .none }
        if generationID >= 0 || !memberID.isEmpty || groupInstanceID != nil {
            if case .rejected(let error) = validateMember(memberID, groupInstanceID: groupInstanceID) { return error }
            if generationID != self.generationID { return .illegalGeneration }
        } else if state != .empty {
            return .unknownMemberID
        }
        // The member already has the new generation from its JoinGroup response but no assignment yet.
        return state == .completingRebalance ? .rebalanceInProgress : .none
    }
}
