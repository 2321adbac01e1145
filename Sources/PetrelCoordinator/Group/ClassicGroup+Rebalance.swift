import PetrelProtocol

extension ClassicGroup {
    func heartbeatTimer(_ memberID: String) -> CoordinatorTimer {
        .heartbeat(groupID: groupID, memberID: memberID)
    }

    mutating func scheduleHeartbeat(at index: Int, now: CoordinatorInstant, actions: inout [CoordinatorAction]) {
        members[index].heartbeatDeadline = now + members[index].sessionTimeout
        actions.append(
            .scheduleTimer(heartbeatTimer(members[index].memberID), deadline: members[index].heartbeatDeadline))
    }

    /// Kafka's `maybePrepareRebalance`, or, when a rebalance is already running, a check whether the join
    /// phase can now end.
    mutating func rebalanceOrCompleteJoin(now: CoordinatorInstant, actions: inout [CoordinatorAction]) {
        switch state {
        case .empty, .completingRebalance, .stable:
            prepareRebalance(now: now, actions: &actions)
        case .preparingRebalance:
            completeJoinIfAllJoined(now: now, actions: &actions)
        case .dead:
            break
        }
    }

    /// Enters PreparingRebalance. Members waiting on SyncGroup learn that their generation is void, and
    /// members yet to sync in it are no longer waited for; the join phase gets its deadline: the initial
    /// delay for an empty group, else the rebalance timeout.
    mutating func prepareRebalance(now: CoordinatorInstant, actions: inout [CoordinatorAction]) {
        if state == .completingRebalance { abandonAssignment(.rebalanceInProgress, now: now, actions: &actions) }
        clearPendingSync(actions: &actions)
        let phase: JoinPhase
        if state == .empty {
            let delay = config.initialRebalanceDelay
            phase = .initialDelay(deadline: now + delay, remaining: max(rebalanceTimeout - delay, .zero))
        } else {
            phase = .rebalance(deadline: now + rebalanceTimeout)
        }
        joinPhase = phase
        transition(to: .preparingRebalance, now: now)
        actions.append(.scheduleTimer(.join(groupID: groupID), deadline: phase.deadline))
        completeJoinIfAllJoined(now: now, actions: &actions)
    }

    /// Kafka's `resetAndPropagateAssignmentError`: clears the assignments of a generation that will not
    /// become stable and answers parked SyncGroups with `error`. Their sessions restart: while parked they
    /// were not expected to heartbeat.
    private mutating func abandonAssignment(
        _ error: KafkaErrorCode, now: CoordinatorInstant, actions: inout [CoordinatorAction]
    ) {
        for index in members.indices {
            members[index].assignment = []
            if let waiting = members[index].awaitingSync {
                actions.append(.respondSync(waiting, .failure(error)))
                members[index].awaitingSync = nil
                scheduleHeartbeat(at: index, now: now, actions: &actions)
            }
        }
    }

    mutating func clearPendingSync(actions: inout [CoordinatorAction]) {
        pendingSyncMembers = []
        if syncDeadline != nil {
            syncDeadline = nil
            actions.append(.cancelTimer(.sync(groupID: groupID)))
        }
    }

    /// Every member has rejoined and no handed-out member id is still expected: the join phase can end
    /// early. The initial delay always runs its course, to gather the members of a starting application.
    mutating func completeJoinIfAllJoined(now: CoordinatorInstant, actions: inout [CoordinatorAction]) {
        guard case .rebalance = joinPhase else { return }
        if pendingMembers.isEmpty && members.awaitingJoinCount == members.count {
            completeJoin(now: now, actions: &actions)
        }
    }

    /// Kafka's `onCompleteJoin`: drops dynamic members that did not rejoin, makes sure the leader is one that
    /// did, starts the next generation and answers every parked JoinGroup.
    mutating func completeJoin(now: CoordinatorInstant, actions: inout [CoordinatorAction]) {
        for memberID in members.filter({ $0.awaitingJoin == nil && $0.groupInstanceID == nil }).map(\.memberID) {
            if let index = memberIndex(memberID) { detachMember(at: index, actions: &actions) }
        }
        // Only static members that did not rejoin are left: wait another rebalance timeout for them (or for
        // their sessions to expire) rather than start a generation nobody acknowledges.
        if !members.isEmpty && !members.contains(where: { $0.awaitingJoin != nil }) {
            let deadline = now + rebalanceTimeout
            joinPhase = .rebalance(deadline: deadline)
            actions.append(.scheduleTimer(.join(groupID: groupID), deadline: deadline))
            return
        }
        joinPhase = nil
        newMemberAdded = false
        actions.append(.cancelTimer(.join(groupID: groupID)))
        if let leaderID, let leader = memberIndex(leaderID), members[leader].awaitingJoin != nil {
            // The leader rejoined and keeps its role.
        } else {
            leaderID = members.first { $0.awaitingJoin != nil }?.memberID
        }

        generationID &+= 1
        guard !members.isEmpty else {
            protocolName = nil
            leaderID = nil
            transition(to: .empty, now: now)
            actions.append(.appendRecords([snapshotRecord], then: []))
            return
        }
        protocolName = selectProtocol()
        transition(to: .completingRebalance, now: now)
        pendingSyncMembers = Set(members.map(\.memberID))
        let deadline = now + rebalanceTimeout
        syncDeadline = deadline
        actions.append(.scheduleTimer(.sync(groupID: groupID), deadline: deadline))
        for index in members.indices {
            guard let waiting = members[index].awaitingJoin else { continue }
            actions.append(.respondJoin(waiting, joinResult(for: members[index])))
            members[index].awaitingJoin = nil
            members[index].isNew = false
            scheduleHeartbeat(at: index, now: now, actions: &actions)
        }
    }

    mutating func transition(to newState: State, now: CoordinatorInstant) {
        state = newState
        currentStateTimestamp = now
    }

    /// Takes a member out of the group, answering whatever it has parked, without touching the rebalance.
    mutating func detachMember(at index: Int, actions: inout [CoordinatorAction]) {
        let member = members.remove(at: index)
        if let waiting = member.awaitingJoin {
            // Kafka answers with an empty member id: the client rejoins as a new member.
            actions.append(.respondJoin(waiting, .failure(.unknownMemberID, memberID: "")))
        }
        if let waiting = member.awaitingSync {
            actions.append(.respondSync(waiting, .failure(.unknownMemberID)))
        }
        actions.append(.cancelTimer(heartbeatTimer(member.memberID)))
        pendingSyncMembers.remove(member.memberID)
        if leaderID == member.memberID { leaderID = members.first?.memberID }
    }

    /// Kafka's `removeMemberAndUpdateGroup`: a member left or expired; the others must rebalance.
    mutating func removeMember(at index: Int, now: CoordinatorInstant, actions: inout [CoordinatorAction]) {
        detachMember(at: index, actions: &actions)
        rebalanceOrCompleteJoin(now: now, actions: &actions)
    }
}
