import Logging
import PetrelCoordinator
import PetrelProtocol

/// Drives one `GroupCoordinatorShard` (one `__consumer_offsets` partition) as its README asks: every call is
/// serial on this actor, parked JoinGroup/SyncGroup requests wait on continuations keyed by `RequestID`,
/// timers are tasks sleeping until their wall-clock deadline, and record appends run one after another in
/// the order the shard produced them (so the log replays to the state the shard holds).
///
/// Until `load()` finishes, calls reach a fresh loading shard, which answers COORDINATOR_LOAD_IN_PROGRESS.
actor CoordinatorShardRunner {
    let partition: Int32
    private let config: GroupCoordinatorConfig
    private let writer: OffsetsTopicWriter
    private let logger: Logger
    private var shard: GroupCoordinatorShard
    private var parked: [RequestID: CheckedContinuation<CoordinatorAction, Never>] = [:]
    private var timers: [CoordinatorTimer: (token: UInt64, task: Task<Void, Never>)] = [:]
    private var nextTimerToken: UInt64 = 0
    /// The last append in flight; each append waits for the one before it.
    private var appendTail: Task<KafkaErrorCode?, Never>?
    private var reloading = false
    private var lastRequestID: UInt64 = 0

    init(
        partition: Int32, config: GroupCoordinatorConfig, writer: OffsetsTopicWriter, logger: Logger
    ) {
        self.partition = partition
        self.config = config
        self.writer = writer
        self.logger = logger
        self.shard = GroupCoordinatorShard(partition: partition, config: config, memberIDSeed: .random(in: .min ... .max))
    }

    /// Replays the partition into a new shard while the loading one keeps answering, then starts serving.
    func load() async {
        do {
            var loaded = try await GroupCoordinatorShard.load(
                partition: partition, config: config, memberIDSeed: .random(in: .min ... .max), from: writer)
            let actions = loaded.completeLoad(now: Self.now())
            shard = loaded
            run(actions)
        } catch {
            logger.error(
                "cannot load group coordinator partition",
                metadata: [LogKey.partition: "\(OffsetsTopicWriter.topic)-\(partition)", "error": "\(error)"])
        }
    }

    /// Stops serving: parked requests get NOT_COORDINATOR, timers stop, and appends in flight finish.
    func unload() async {
        run(shard.unload())
        for (_, timer) in timers { timer.task.cancel() }
        timers = [:]
        _ = await appendTail?.value
    }

    // MARK: Membership (answered by actions, possibly later)

    func joinGroup(_ request: JoinGroupParameters) async -> JoinGroupResult {
        let action = await park { shard.joinGroup(request, requestID: $0, now: $1) }
        guard case .respondJoin(_, let result) = action else { return .failure(.unknownServerError, memberID: request.memberID) }
        return result
    }

    func syncGroup(_ request: SyncGroupParameters) async -> SyncGroupResult {
        let action = await park { shard.syncGroup(request, requestID: $0, now: $1) }
        guard case .respondSync(_, let result) = action else { return .failure(.unknownServerError) }
        return result
    }

    func heartbeat(_ request: HeartbeatParameters) async -> KafkaErrorCode {
        let action = await park { shard.heartbeat(request, requestID: $0, now: $1) }
        guard case .respondHeartbeat(_, let errorCode) = action else { return .unknownServerError }
        return errorCode
    }

    func leaveGroup(groupID: String, members: [LeavingMember]) async -> LeaveGroupResult {
        let action = await park { shard.leaveGroup(groupID: groupID, members: members, requestID: $0, now: $1) }
        guard case .respondLeave(_, let result) = action else {
            return LeaveGroupResult(errorCode: .unknownServerError, members: [])
        }
        return result
    }

    /// Registers a continuation for a new request id, runs `operation` on the shard and waits for the
    /// response action naming that id (now or from a later event).
    private func park(
        _ operation: (RequestID, CoordinatorInstant) -> [CoordinatorAction]
    ) async -> CoordinatorAction {
        lastRequestID += 1
        let id = RequestID(lastRequestID)
        return await withCheckedContinuation { continuation in
            parked[id] = continuation
            run(operation(id, Self.now()))
        }
    }

    // MARK: Offsets and admin (answered once their records are durable)

    func commitOffsets(_ request: OffsetCommitParameters) async -> PartitionErrors {
        let result = shard.commitOffsets(request, now: Self.now())
        guard let failure = await appendAndWait(result.records) else { return result.response }
        return result.response.failed(with: failure)
    }

    func deleteOffsets(groupID: String, topics: [TopicPartitions]) async -> PartitionErrors {
        let result = shard.deleteOffsets(groupID: groupID, topics: topics)
        guard let failure = await appendAndWait(result.records) else { return result.response }
        return result.response.failed(with: failure)
    }

    func deleteGroups(_ groupIDs: [String]) async -> [(groupID: String, errorCode: KafkaErrorCode)] {
        let result = shard.deleteGroups(groupIDs)
        guard let failure = await appendAndWait(result.records) else { return result.response }
        return result.response.map { (groupID: $0.groupID, errorCode: $0.errorCode == .none ? failure : $0.errorCode) }
    }

    func fetchOffsets(groupID: String, topics: [TopicPartitions]?) -> OffsetFetchResult {
        shard.fetchOffsets(groupID: groupID, topics: topics)
    }

    /// The shard's groups, or nil while it is loading.
    func listGroups(statesFilter: [String], typesFilter: [String]) -> [ListedGroup]? {
        shard.isLoading ? nil : shard.listGroups(statesFilter: statesFilter, typesFilter: typesFilter)
    }

    func describeGroup(_ groupID: String) -> DescribedGroup {
        guard !shard.isLoading else {
            return DescribedGroup(
                groupID: groupID, errorCode: .coordinatorLoadInProgress, state: .dead, protocolType: "",
                protocolData: "", members: [])
        }
        return shard.describeGroup(groupID)
    }

    // MARK: Actions

    private func run(_ actions: [CoordinatorAction]) {
        for action in actions {
            switch action {
            case .respondJoin(let id, _), .respondSync(let id, _), .respondHeartbeat(let id, _),
                .respondLeave(let id, _):
                parked.removeValue(forKey: id)?.resume(returning: action)
            case .scheduleTimer(let timer, let deadline):
                schedule(timer, at: deadline)
            case .cancelTimer(let timer):
                timers.removeValue(forKey: timer)?.task.cancel()
            case .appendRecords(let records, let then):
                let append = appendInOrder(records)
                Task {
                    let failure = await append.value
                    self.run(failure.map { error in then.map { $0.failed(with: error) } } ?? then)
                }
            }
        }
    }

    private func schedule(_ timer: CoordinatorTimer, at deadline: CoordinatorInstant) {
        timers[timer]?.task.cancel()
        nextTimerToken += 1
        let token = nextTimerToken
        let delay = max(0, deadline.millisecondsSinceEpoch - Self.now().millisecondsSinceEpoch)
        let task = Task {
            guard (try? await Task.sleep(for: .milliseconds(delay))) != nil else { return }
            self.fire(timer, token: token)
        }
        timers[timer] = (token, task)
    }

    private func fire(_ timer: CoordinatorTimer, token: UInt64) {
        guard timers[timer]?.token == token else { return }  // moved or cancelled meanwhile
        timers[timer] = nil
        run(shard.timerFired(timer, now: Self.now()))
    }

    /// Queues `records` behind every earlier append; the task answers nil once durable, else the error
    /// for the responses that waited on them (and the shard reloads: its memory is ahead of the log).
    /// Only queueing is in order: durability waits overlap (one fdatasync covers many commits), and each
    /// task still finishes after the previous one, so answers leave in append order.
    private func appendInOrder(_ records: [CoordinatorRecord]) -> Task<KafkaErrorCode?, Never> {
        let previous = appendTail
        let queued: Result<PendingCoordinatorAppend, any Error>
        do {
            let bytes = try records.map { record throws(KafkaCodecError) in try record.encoded() }
            queued = .success(try writer.queueAppend(partition: partition, records: bytes))
        } catch {
            queued = .failure(error)
        }
        let task = Task<KafkaErrorCode?, Never> {
            var failure: (any Error)?
            do {
                _ = try await queued.get().lastOffset()
            } catch {
                failure = error
            }
            _ = await previous?.value
            guard let failure else { return nil }
            self.appendFailed(failure)
            return failure is OffsetsTopicWriter.NotHosted ? .notCoordinator : .coordinatorNotAvailable
        }
        appendTail = task
        return task
    }

    private func appendAndWait(_ records: [CoordinatorRecord]) async -> KafkaErrorCode? {
        guard !records.isEmpty else { return nil }
        return await appendInOrder(records).value
    }

    private func appendFailed(_ error: any Error) {
        logger.error(
            "group coordinator append failed; reloading",
            metadata: [LogKey.partition: "\(OffsetsTopicWriter.topic)-\(partition)", "error": "\(error)"])
        guard !reloading else { return }
        reloading = true
        run(shard.unload())
        shard = GroupCoordinatorShard(partition: partition, config: config, memberIDSeed: .random(in: .min ... .max))
        Task {
            await self.load()
            self.reloading = false
        }
    }

    private static func now() -> CoordinatorInstant {
        CoordinatorInstant(millisecondsSinceEpoch: WallClock.nowMilliseconds())
    }
}

extension PartitionErrors {
    /// The same partitions, each carrying `errorCode` where it had none (records that could not be written).
    func failed(with errorCode: KafkaErrorCode) -> PartitionErrors {
        PartitionErrors(
            errorCode: self.errorCode,
            topics: topics.map { topic in
                PartitionErrors.Topic(
                    name: topic.name,
                    partitions: topic.partitions.map { ($0.partition, $0.errorCode == .none ? errorCode : $0.errorCode) })
            })
    }
}
