import PetrelProtocol

extension ClassicGroup {
    /// JoinGroup for this group. The shard has already checked the group id, the session timeout range and
    /// that a member id is only sent to an existing group. `newMemberID` is the id this join gets if the
    /// member has none yet.
    ///
    /// Answers at once with an error, MEMBER_ID_REQUIRED (KIP-394), or the current generation (a follower
    /// rejoining with unchanged metadata, a static member replacing its old instance); otherwise parks the
    /// request until the join phase ends.
    public mutating func join(
        _ request: JoinGroupParameters, requestID: RequestID, newMemberID: String, now: CoordinatorInstant
    ) -> [CoordinatorAction] {
        var actions: [CoordinatorAction] = []
        guard acceptsJoiningMember(request) else {
            // The size limit may have been lowered under existing members: the ones that did not make it
            // back in before the group filled up are dropped (Kafka's rule).
            if let index = memberIndex(request.memberID) { removeMember(at: index, now: now, actions: &actions) }
            actions.append(.respondJoin(requestID, .failure(.groupMaxSizeReached, memberID: "")))
            return actions
        }
        guard supportsProtocols(type: request.protocolType, request.protocols) else {
            return [.respondJoin(requestID, .failure(.inconsistentGroupProtocol, memberID: request.memberID))]
        }
        if request.memberID.isEmpty {
            joinUnknownMember(request, requestID: requestID, newMemberID: newMemberID, now: now, actions: &actions)
        } else {
            joinKnownMember(request, requestID: requestID, now: now, actions: &actions)
        }
        return actions
    }

    /// Kafka's `acceptJoiningMember`. While preparing a rebalance, members already rejoined count against
    /// `group.max.size` (the group may exceed it after the limit was lowered); otherwise all members do.
    /// A restarted static member takes its old place, so it never counts as a new one.
    private func acceptsJoiningMember(_ request: JoinGroupParameters) -> Bool {
        let memberID = request.memberID
        if memberID.isEmpty, let groupInstanceID = request.groupInstanceID, staticMemberIndex(groupInstanceID) != nil {
            return true
        }
        switch state {
        case .empty, .dead:
            return true
        case .preparingRebalance:
            if let index = memberIndex(memberID), members[index].awaitingJoin != nil { return true }
            return members.awaitingJoinCount < config.groupSizeMax
        case .completingRebalance, .stable:
            return memberIndex(memberID) != nil || members.count < config.groupSizeMax
        }
    }

    private mutating func joinUnknownMember(
        _ request: JoinGroupParameters, requestID: RequestID, newMemberID: String, now: CoordinatorInstant,
        actions: inout [CoordinatorAction]
    ) {
        if let groupInstanceID = request.groupInstanceID {
            if let index = staticMemberIndex(groupInstanceID) {
                replaceStaticMember(
                    at: index, newMemberID: newMemberID, request, requestID: requestID, now: now, actions: &actions)
            } else {
                addMemberAndRebalance(newMemberID, request, requestID: requestID, now: now, actions: &actions)
            }
        } else if request.requireKnownMemberID {
            let deadline = now + request.sessionTimeout
            pendingMembers[newMemberID] = deadline
            actions.append(.scheduleTimer(.pendingMember(groupID: groupID, memberID: newMemberID), deadline: deadline))
            actions.append(.respondJoin(requestID, .failure(.memberIDRequired, memberID: newMemberID)))
        } else {
            addMemberAndRebalance(newMemberID, request, requestID: requestID, now: now, actions: &actions)
        }
    }

    private mutating func joinKnownMember(
        _ request: JoinGroupParameters, requestID: RequestID, now: CoordinatorInstant,
        actions: inout [CoordinatorAction]
    ) {
        let memberID = request.memberID
        if memberIndex(memberID) == nil, request.groupInstanceID == nil,
            pendingMembers.removeValue(forKey: memberID) != nil
        {
            actions.append(.cancelTimer(.pendingMember(groupID: groupID, memberID: memberID)))
            addMemberAndRebalance(memberID, request, requestID: requestID, now: now, actions: &actions)
            return
        }
        let index: Int
        switch validateMember(memberID, groupInstanceID: request.groupInstanceID) {
        case .member(let found): index = found
        case .rejected(let error):
            actions.append(.respondJoin(requestID, .failure(error, memberID: memberID)))
            return
        }
        switch state {
        case .preparingRebalance:
            updateMemberAndRebalance(at: index, request, requestID: requestID, now: now, actions: &actions)
        case .completingRebalance:
            // A repeated join (e.g. a lost response) with the same metadata gets the same answer again.
            if members[index].protocols == request.protocols {
                actions.append(.respondJoin(requestID, joinResult(for: members[index])))
            } else {
                updateMemberAndRebalance(at: index, request, requestID: requestID, now: now, actions: &actions)
            }
        case .stable:
            // A follower with unchanged metadata does not disturb the group; the leader rejoining, or anyone
            // changing its subscription, starts a rebalance.
            if memberID != leaderID && members[index].protocols == request.protocols {
                actions.append(.respondJoin(requestID, joinResult(for: members[index])))
            } else {
                updateMemberAndRebalance(at: index, request, requestID: requestID, now: now, actions: &actions)
            }
        case .empty, .dead:
            actions.append(.respondJoin(requestID, .failure(.unknownMemberID, memberID: memberID)))
        }
    }

    private mutating func addMemberAndRebalance(
        _ memberID: String, _ request: JoinGroupParameters, requestID: RequestID, now: CoordinatorInstant,
        actions: inout [CoordinatorAction]
    ) {
        if members.isEmpty { protocolType = request.protocolType }
        // Arriving during the initial delay extends it.
        if state == .preparingRebalance && generationID == 0 { newMemberAdded = true }
        // A new member cannot heartbeat before its first JoinGroup response, and a client that gave up on a
        // long join may retry under a new id: its parked join is bounded by the new-member timeout instead.
        var member = ClassicGroupMember(
            memberID: memberID, joining: request, heartbeatDeadline: now + config.newMemberJoinTimeout)
        member.isNew = true
        member.awaitingJoin = requestID
        members.append(member)
        if leaderID == nil { leaderID = memberID }
        actions.append(.scheduleTimer(heartbeatTimer(memberID), deadline: member.heartbeatDeadline))
        rebalanceOrCompleteJoin(now: now, actions: &actions)
    }

    private mutating func updateMemberAndRebalance(
        at index: Int, _ request: JoinGroupParameters, requestID: RequestID, now: CoordinatorInstant,
        actions: inout [CoordinatorAction]
    ) {
        updateMember(at: index, request, requestID: requestID, actions: &actions)
        rebalanceOrCompleteJoin(now: now, actions: &actions)
    }

    /// Takes the member's new protocols and timeouts and parks `requestID`. A join it replaces (a client that
    /// retried) is answered with REBALANCE_IN_PROGRESS so no request is left hanging.
    private mutating func updateMember(
        at index: Int, _ request: JoinGroupParameters, requestID: RequestID, actions: inout [CoordinatorAction]
    ) {
        if let previous = members[index].awaitingJoin {
            actions.append(
                .respondJoin(previous, .failure(.rebalanceInProgress, memberID: members[index].memberID)))
        }
        members[index].protocols = request.protocols
        members[index].protocolType = request.protocolType
        members[index].sessionTimeout = request.sessionTimeout
        members[index].rebalanceTimeout = request.rebalanceTimeout
        members[index].clientID = request.clientID
        members[index].clientHost = request.clientHost
        members[index].awaitingJoin = requestID
    }

    /// KIP-345: a static member that restarts joins with its instance id and no member id. It takes over
    /// the old member's place under a new id; the old id is fenced. In a Stable group whose protocol choice
    /// does not change, it gets the current generation back without a rebalance and then syncs to receive
    /// its old assignment. A restarted leader must not run an assignment a stable group would never
    /// distribute: v9+ clients are told so with `skipAssignment` (and still get the members, to keep
    /// watching metadata); older ones get the old leader id, which is not theirs.
    private mutating func replaceStaticMember(
        at index: Int, newMemberID: String, _ request: JoinGroupParameters, requestID: RequestID,
        now: CoordinatorInstant, actions: inout [CoordinatorAction]
    ) {
        let oldMemberID = members[index].memberID
        let leaderBefore = leaderID
        if let fenced = members[index].awaitingJoin {
            actions.append(.respondJoin(fenced, .failure(.fencedInstanceID, memberID: oldMemberID)))
        }
        if let fenced = members[index].awaitingSync {
            actions.append(.respondSync(fenced, .failure(.fencedInstanceID)))
        }
        actions.append(.cancelTimer(heartbeatTimer(oldMemberID)))
        members[index].memberID = newMemberID
        members[index].awaitingJoin = nil
        members[index].awaitingSync = nil
        if leaderID == oldMemberID { leaderID = newMemberID }
        if pendingSyncMembers.remove(oldMemberID) != nil { pendingSyncMembers.insert(newMemberID) }
        scheduleHeartbeat(at: index, now: now, actions: &actions)
        updateMember(at: index, request, requestID: requestID, actions: &actions)

        switch state {
        case .stable where selectProtocol() == protocolName:
            members[index].awaitingJoin = nil
            var result: JoinGroupResult
            if request.supportsSkippingAssignment {
                result = joinResult(for: members[index])
                result.skipAssignment = leaderID == newMemberID
            } else {
                result = joinResult(for: members[index], leader: leaderBefore)
                result.members = []
            }
            actions.append(.appendRecords([snapshotRecord], then: [.respondJoin(requestID, result)]))
        case .stable, .completingRebalance, .preparingRebalance:
            rebalanceOrCompleteJoin(now: now, actions: &actions)
        case .empty, .dead:
            assertionFailure("a group with a static member is never \(state)")
        }
    }
}
