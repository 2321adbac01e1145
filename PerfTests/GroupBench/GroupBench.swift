import ArgumentParser
import Foundation
import PetrelClient
import PetrelProtocol

/// `group-bench` (issue #6): the group coordinator's rebalance latency and offset-commit rate, measured by
/// speaking the classic group protocol directly — each member is a `KafkaClient` with its own connection to
/// the coordinator sending JoinGroup/SyncGroup/LeaveGroup/OffsetCommit — so the figures are the
/// coordinator's, not a consumer poll loop's. References measured in the same run: the round trip of trivial
/// requests on the same connection (ApiVersions, Heartbeat), the floor any coordinator round trip pays; every
/// member heartbeating at once, the floor of one fan-out to the group; and, with `--fsync-dir`, an append +
/// fdatasync on the broker's disk, which every durable commit and group record pays.
@main
struct GroupBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "group-bench")

    @Option(name: .customLong("bootstrap-server")) var bootstrapServer = "localhost:9092"
    @Option(help: "Group id (default: a fresh one per run).") var group: String?
    @Option(help: "Topic the members subscribe to and commit offsets for; created if missing.") var topic = "group-bench"
    @Option var partitions: Int32 = 50
    @Option var members = 10
    @Option var rebalances = 100
    @Option(name: .customLong("settle-ms"), help: "Wait between the other members' JoinGroups and the last one's.")
    var settleMilliseconds = 20
    @Option(name: .customLong("commit-seconds")) var commitSeconds = 5
    @Option(help: "OffsetCommits in flight on one connection in the pipelined runs.") var pipeline = 16
    @Option(name: .customLong("rtt-samples")) var rttSamples = 2000
    @Option(
        name: .customLong("fsync-dir"),
        help: "A directory on the broker's log disk: adds the reference of a small append + fdatasync there.")
    var fsyncDirectory: String?

    func validate() throws {
        guard BrokerAddress(parsing: bootstrapServer) != nil else { throw ValidationError("--bootstrap-server HOST:PORT") }
        guard members >= 2, partitions >= 1, rebalances >= 1, commitSeconds >= 1, pipeline >= 1, rttSamples >= 1,
            settleMilliseconds >= 0
        else { throw ValidationError("--members must be at least 2; counts and durations positive") }
    }

    func run() async throws {
        let client = ClientConfiguration(bootstrapServers: [BrokerAddress(parsing: bootstrapServer)!])
        let admin = KafkaAdmin(configuration: client)
        let groupID = group ?? "group-bench-\(UInt32.random(in: 0 ... .max))"
        print("load average at start: \(loadAverage())")
        let settings = await brokerSettings(admin)
        print("broker: \(settings)")
        try await ensureTopic(admin)
        let coordinator = try await admin.client.retrying("FindCoordinator(\(groupID))") {
            () async throws(KafkaClientError) -> Int32 in try await admin.client.coordinator(forGroup: groupID)
        }
        let session = GroupSession(
            groupID: groupID, topic: topic, partitionCount: partitions, coordinator: coordinator,
            subscription: try ConsumerProtocol.encodeSubscription(
                topics: [topic], ownedPartitions: [], generationID: -1, rackID: nil, userData: nil))
        print("group \(groupID) on coordinator node \(coordinator); \(members) members subscribed to \(topic) (\(partitions) partitions), range assignment")

        var group = (0..<members).map { _ in Member(client: KafkaClient(configuration: client)) }
        group = try await session.form(group)
        print("formed: generation \(group[0].generationID), \(members) members")

        // Rebalances: member k leaves, the others rejoin, k rejoins as a new member (KIP-394 handshake); timed
        // from k's JoinGroup carrying its new id to the last SyncGroup response.
        var rebalanceTimes: [Duration] = []
        var joinPhaseTimes: [Duration] = []
        for round in 0..<rebalances {
            let (next, timing) = try await session.rebalance(
                group, leaver: round % members, settle: .milliseconds(settleMilliseconds))
            guard next[0].generationID == group[0].generationID + 1 else {
                throw BenchFailure("round \(round): generation \(group[0].generationID) → \(next[0].generationID), expected one rebalance")
            }
            group = next
            rebalanceTimes.append(timing.allSynced)
            joinPhaseTimes.append(timing.allJoined)
        }

        let committer = group[0]
        let apiVersions = try await roundTrips(rttSamples) { try await session.apiVersions(committer) }
        let heartbeats = try await roundTrips(rttSamples) { try await session.heartbeat(committer) }
        print("reference, \(rttSamples) sequential round trips on one member's connection:")
        print("  ApiVersions  \(Summary(apiVersions))")
        print("  Heartbeat    \(Summary(heartbeats))")
        // A rebalance answers every member twice (JoinGroup, SyncGroup): this is the floor of one such fan-out.
        let current = group
        let fanOuts = try await roundTrips(rttSamples) {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for member in current { tasks.addTask { try await session.heartbeat(member) } }
                try await tasks.waitForAll()
            }
        }
        print("  Heartbeat from all \(members) members at once, until every one is answered: \(Summary(fanOuts))")
        print("rebalance: \(rebalances) × (one member leaves, \(members - 1) rejoin, it rejoins as new), \(members) members;")
        print("  last JoinGroup sent → every SyncGroup answered with its assignment (settle \(settleMilliseconds) ms before the last JoinGroup):")
        print("  \(Summary(rebalanceTimes, withMax: true))")
        print("  of which last JoinGroup sent → every JoinGroup answered (the join phase):")
        print("  \(Summary(joinPhaseTimes, withMax: true))")

        if let fsyncDirectory {
            // Every durable commit and every rebalance's group record pays one of these.
            let syncs = try appendAndSync(in: fsyncDirectory, count: rttSamples)
            print("reference, \(rttSamples) × (write 128 B at the end of a file + fdatasync) in \(fsyncDirectory):")
            print("  \(Summary(syncs, withMax: true))")
        }
        print("offset commits by one member of the stable group, \(commitSeconds) s per row, acks after the __consumer_offsets append is durable:")
        for partitionsPerCommit in [Int32(1), partitions] {
            for inFlight in [1, pipeline] {
                let run = try await session.commitRun(
                    committer, partitions: partitionsPerCommit, inFlight: inFlight, for: .seconds(commitSeconds))
                let rate = Double(run.latencies.count) / run.elapsed.seconds
                let label = "\(partitionsPerCommit) partition\(partitionsPerCommit == 1 ? "" : "s")/commit, \(inFlight) in flight"
                print("  \(label.padding(toLength: 36, withPad: " ", startingAt: 0)) \(String(format: "%8.0f", rate)) commits/s  \(Summary(run.latencies))")
            }
        }
        try await session.checkCommitted(committer, admin: admin)

        for member in group { await member.client.close() }
        await admin.close()
        print("load average at end: \(loadAverage())")
    }

    /// The two broker settings the figures depend on, as the broker reports them (DescribeConfigs).
    private func brokerSettings(_ admin: KafkaAdmin) async -> String {
        let keys = ["group.initial.rebalance.delay.ms", "log.flush.durable.acks"]
        do {
            let nodeID = try await admin.describeCluster().brokers.first?.nodeID ?? -1
            let entries = try await admin.describeConfigs(.broker, name: "\(nodeID)")
            return keys.map { key in "\(key)=\(entries.first { $0.name == key }?.value ?? "not reported")" }
                .joined(separator: ", ")
        } catch {
            return "settings not reported (\(error))"
        }
    }

    /// Creates the topic, or checks that an existing one has `partitions` partitions.
    private func ensureTopic(_ admin: KafkaAdmin) async throws {
        do {
            let existing = try await admin.describeTopics([topic])
            guard existing.first?.partitions.count == Int(partitions) else {
                throw BenchFailure("topic \(topic) exists without \(partitions) partitions; pass --partitions or another --topic")
            }
        } catch let error as KafkaClientError where error.brokerErrorCode == .unknownTopicOrPartition {
            try await admin.createTopics([NewTopic(name: topic, numPartitions: partitions, replicationFactor: 1)])
        }
    }

    /// `count` sequential round trips of `body`.
    private func roundTrips(_ count: Int, _ body: () async throws -> Void) async throws -> [Duration] {
        var times: [Duration] = []
        times.reserveCapacity(count)
        for _ in 0..<count {
            let start = ContinuousClock.now
            try await body()
            times.append(ContinuousClock.now - start)
        }
        return times
    }

    /// `count` appends of 128 bytes to a fresh file in `directory`, each followed by fdatasync (the file grows,
    /// as a log segment does, so each sync also commits the size change).
    private func appendAndSync(in directory: String, count: Int) throws -> [Duration] {
        let path = "\(directory)/group-bench-fsync-\(UInt32.random(in: 0 ... .max))"
        let fd = open(path, O_CREAT | O_WRONLY | O_APPEND | O_EXCL, 0o600)
        guard fd >= 0 else { throw BenchFailure("open \(path): errno \(errno)") }
        defer {
            close(fd)
            unlink(path)
        }
        let record = [UInt8](repeating: 0x2a, count: 128)
        var times: [Duration] = []
        for _ in 0..<count {
            let start = ContinuousClock.now
            guard record.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == record.count, fdatasync(fd) == 0 else {
                throw BenchFailure("write + fdatasync of \(path): errno \(errno)")
            }
            times.append(ContinuousClock.now - start)
        }
        return times
    }

    private func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "unknown"
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}

/// One group member: its own client, hence its own connection to the coordinator (a JoinGroup parks its
/// connection's later responses behind it), and its place in the group.
struct Member: Sendable {
    let client: KafkaClient
    var memberID = ""
    var generationID: Int32 = -1
}

/// A member's SyncGroup answer and, for the leader, the assignment it computed.
struct Synced: Sendable {
    var member: Member
    var assignment: [TopicPartition]
    var plan: [String: [TopicPartition]]?
    var joinSentAt: ContinuousClock.Instant
    var joinAnsweredAt: ContinuousClock.Instant
    var syncAnsweredAt: ContinuousClock.Instant
}

/// A rebalance's timing, both from the moment the last member's JoinGroup was sent.
struct RebalanceTiming: Sendable {
    /// Until every member's JoinGroup was answered.
    var allJoined: Duration
    /// Until every member's SyncGroup was answered with its assignment.
    var allSynced: Duration
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The group protocol as the bench speaks it: every request goes to the coordinator on the member's own
/// connection, and every answer is checked (an error, a missing assignment or a generation skew stops the
/// run: that would be a coordinator bug, not a figure).
struct GroupSession: Sendable {
    let groupID: String
    let topic: String
    let partitionCount: Int32
    let coordinator: Int32
    let subscription: [UInt8]
    /// Long enough that no member expires or is dropped between the bench's phases (no heartbeat thread).
    let sessionTimeout = Duration.seconds(120)
    let rebalanceTimeout = Duration.seconds(60)

    /// Forms the group deterministically whatever `group.initial.rebalance.delay.ms` is: the first member
    /// forms it alone, the others get member ids (KIP-394), then a rebalance of all of them completes when
    /// the last one joins (a non-empty group's join phase waits for every known and pending member).
    func form(_ members: [Member]) async throws -> [Member] {
        var members = members
        members[0].memberID = try await memberID(for: members[0])
        members[0] = try await joinAndSync(members[0], expectedMembers: 1).member
        for index in members.indices.dropFirst() { members[index].memberID = try await memberID(for: members[index]) }
        return try await rebalance(members, leaver: nil, settle: .zero).members
    }

    /// One rebalance. With a `leaver`, it sends LeaveGroup (the group starts preparing a rebalance) and gets a
    /// new member id; the others' JoinGroups go out, then after `settle` the leaver's (or, without one, the
    /// last member's). Each member syncs as soon as its JoinGroup is answered, the leader with a range
    /// assignment. Returns the members in the new generation and how long the join phase and the whole
    /// rebalance took after the last JoinGroup was sent.
    func rebalance(_ members: [Member], leaver: Int?, settle: Duration) async throws
        -> (members: [Member], timing: RebalanceTiming)
    {
        var members = members
        let last = leaver ?? members.count - 1
        if let leaver {
            try await leave(members[leaver])
            members[leaver].memberID = try await memberID(for: Member(client: members[leaver].client))
        }
        let ready = members
        let results = try await withThrowingTaskGroup(of: (Int, Synced).self) { tasks in
            for index in ready.indices where index != last {
                tasks.addTask { (index, try await joinAndSync(ready[index], expectedMembers: ready.count)) }
            }
            try await Task.sleep(for: settle)
            tasks.addTask { (last, try await joinAndSync(ready[last], expectedMembers: ready.count)) }
            var results: [Int: Synced] = [:]
            for try await (index, synced) in tasks { results[index] = synced }
            return results
        }
        let synced = try check(results, count: members.count)
        guard let start = results[last]?.joinSentAt, let joined = results.values.map(\.joinAnsweredAt).max(),
            let done = results.values.map(\.syncAnsweredAt).max()
        else { throw BenchFailure("no timing for the last member") }
        return (synced, RebalanceTiming(allJoined: joined - start, allSynced: done - start))
    }

    /// Every member is in the same new generation, the leader's plan covers every partition once, and each
    /// member received exactly what the leader assigned it.
    private func check(_ results: [Int: Synced], count: Int) throws -> [Member] {
        let synced = (0..<count).compactMap { results[$0] }
        guard synced.count == count else { throw BenchFailure("\(count - synced.count) members got no SyncGroup answer") }
        let generations = Set(synced.map(\.member.generationID))
        guard generations.count == 1 else { throw BenchFailure("members ended in generations \(generations.sorted())") }
        let plans = synced.compactMap(\.plan)
        guard plans.count == 1, let plan = plans.first else { throw BenchFailure("\(plans.count) members acted as leader") }
        let assigned = plan.values.flatMap { $0 }
        guard assigned.count == Int(partitionCount), Set(assigned).count == assigned.count else {
            throw BenchFailure("leader assigned \(assigned.count) partitions (\(Set(assigned).count) distinct) of \(partitionCount)")
        }
        for entry in synced where plan[entry.member.memberID] ?? [] != entry.assignment {
            throw BenchFailure("\(entry.member.memberID) received \(entry.assignment), leader assigned \(plan[entry.member.memberID] ?? [])")
        }
        return synced.map(\.member)
    }

    // MARK: Requests

    /// KIP-394: a JoinGroup without a member id is answered MEMBER_ID_REQUIRED with the id to join with.
    private func memberID(for member: Member) async throws -> String {
        let response = try await member.client.send(joinRequest(memberID: ""), to: coordinator, timeout: rebalanceTimeout + .seconds(5))
        guard response.errorCode == KafkaErrorCode.memberIDRequired.rawValue, !response.memberID.isEmpty else {
            throw BenchFailure("JoinGroup without member id: error \(KafkaErrorCode(rawValue: response.errorCode)), expected MEMBER_ID_REQUIRED")
        }
        return response.memberID
    }

    private func joinRequest(memberID: String) -> JoinGroupRequest {
        var request = JoinGroupRequest()
        request.groupID = groupID
        request.memberID = memberID
        request.sessionTimeoutMs = Int32(sessionTimeout.components.seconds * 1000)
        request.rebalanceTimeoutMs = Int32(rebalanceTimeout.components.seconds * 1000)
        request.protocolType = "consumer"
        var range = JoinGroupRequest.JoinGroupRequestProtocol()
        range.name = RangeAssignor().name
        range.metadata = subscription
        request.protocols = [range]
        return request
    }

    /// JoinGroup with the member's id, then SyncGroup in the generation it was given; the leader runs the
    /// range assignor over the subscriptions in its JoinGroup answer.
    private func joinAndSync(_ member: Member, expectedMembers: Int) async throws -> Synced {
        let joinSentAt = ContinuousClock.now
        let join = try await member.client.send(
            joinRequest(memberID: member.memberID), to: coordinator, timeout: rebalanceTimeout + .seconds(5))
        guard join.errorCode == KafkaErrorCode.none.rawValue else {
            throw BenchFailure("JoinGroup of \(member.memberID): error \(KafkaErrorCode(rawValue: join.errorCode))")
        }
        let joinAnsweredAt = ContinuousClock.now
        var plan: [String: [TopicPartition]]?
        var request = SyncGroupRequest()
        request.groupID = groupID
        request.generationID = join.generationID
        request.memberID = member.memberID
        request.protocolType = "consumer"
        request.protocolName = join.protocolName
        if join.leader == member.memberID {
            guard join.members.count == expectedMembers else {
                throw BenchFailure("leader got \(join.members.count) members in JoinGroup, expected \(expectedMembers)")
            }
            let subscriptions = try join.members.map { entry in
                try ConsumerProtocol.decodeSubscription(entry.metadata, memberID: entry.memberID, groupInstanceID: entry.groupInstanceID)
            }
            let assignment = RangeAssignor().assign(partitionCounts: [topic: partitionCount], members: subscriptions)
            request.assignments = try assignment.map { memberID, partitions in
                var entry = SyncGroupRequest.SyncGroupRequestAssignment()
                entry.memberID = memberID
                entry.assignment = try ConsumerProtocol.encodeAssignment(partitions)
                return entry
            }
            plan = assignment
        }
        let sync = try await member.client.send(request, to: coordinator, timeout: rebalanceTimeout + .seconds(5))
        let syncAnsweredAt = ContinuousClock.now
        guard sync.errorCode == KafkaErrorCode.none.rawValue else {
            throw BenchFailure("SyncGroup of \(member.memberID) in generation \(join.generationID): error \(KafkaErrorCode(rawValue: sync.errorCode))")
        }
        var joined = member
        joined.generationID = join.generationID
        return Synced(
            member: joined, assignment: try ConsumerProtocol.decodeAssignment(sync.assignment), plan: plan,
            joinSentAt: joinSentAt, joinAnsweredAt: joinAnsweredAt, syncAnsweredAt: syncAnsweredAt)
    }

    private func leave(_ member: Member) async throws {
        var request = LeaveGroupRequest()
        request.groupID = groupID
        var identity = LeaveGroupRequest.MemberIdentity()
        identity.memberID = member.memberID
        request.members = [identity]
        let response = try await member.client.send(request, to: coordinator)
        let errors = [response.errorCode] + response.members.map(\.errorCode)
        guard errors.allSatisfy({ $0 == KafkaErrorCode.none.rawValue }) else {
            throw BenchFailure("LeaveGroup of \(member.memberID): errors \(errors.map { KafkaErrorCode(rawValue: $0) })")
        }
    }

    func heartbeat(_ member: Member) async throws {
        var request = HeartbeatRequest()
        request.groupID = groupID
        request.generationID = member.generationID
        request.memberID = member.memberID
        let response = try await member.client.send(request, to: coordinator)
        guard response.errorCode == KafkaErrorCode.none.rawValue else {
            throw BenchFailure("Heartbeat of \(member.memberID): error \(KafkaErrorCode(rawValue: response.errorCode))")
        }
    }

    func apiVersions(_ member: Member) async throws {
        var request = ApiVersionsRequest()
        request.clientSoftwareName = "petrel-group-bench"
        request.clientSoftwareVersion = "0.1.0"
        let response = try await member.client.send(request, to: coordinator)
        guard response.errorCode == KafkaErrorCode.none.rawValue else {
            throw BenchFailure("ApiVersions: error \(KafkaErrorCode(rawValue: response.errorCode))")
        }
    }

    // MARK: Offset commits

    /// `inFlight` workers on the member's one connection, each committing `partitions` partitions per
    /// OffsetCommit back to back until `duration` has passed. Offsets increase with every commit.
    func commitRun(_ member: Member, partitions: Int32, inFlight: Int, for duration: Duration) async throws
        -> (latencies: [Duration], elapsed: Duration)
    {
        let start = ContinuousClock.now
        let deadline = start + duration
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { workers in
            for worker in 0..<inFlight {
                workers.addTask {
                    var latencies: [Duration] = []
                    var offset = Int64(worker)
                    while ContinuousClock.now < deadline {
                        let sent = ContinuousClock.now
                        try await commit(member, partitions: partitions, offset: offset)
                        latencies.append(ContinuousClock.now - sent)
                        offset += Int64(inFlight)
                    }
                    return latencies
                }
            }
            return try await workers.reduce(into: []) { $0 += $1 }
        }
        return (latencies, ContinuousClock.now - start)
    }

    private func commit(_ member: Member, partitions: Int32, offset: Int64) async throws {
        var request = OffsetCommitRequest()
        request.groupID = groupID
        request.generationIDOrMemberEpoch = member.generationID
        request.memberID = member.memberID
        var entry = OffsetCommitRequest.OffsetCommitRequestTopic()
        entry.name = topic
        entry.partitions = (0..<partitions).map { partition in
            var committed = OffsetCommitRequest.OffsetCommitRequestPartition()
            committed.partitionIndex = partition
            committed.committedOffset = offset
            return committed
        }
        request.topics = [entry]
        let response = try await member.client.send(request, to: coordinator)
        let errors = response.topics.flatMap(\.partitions).filter { $0.errorCode != KafkaErrorCode.none.rawValue }
        let answered = response.topics.reduce(0) { $0 + $1.partitions.count }
        guard errors.isEmpty, answered == Int(partitions) else {
            throw BenchFailure("OffsetCommit of \(answered)/\(partitions) partitions: errors \(errors.map { KafkaErrorCode(rawValue: $0.errorCode) })")
        }
    }

    /// After the runs, one last sequential commit must be what OffsetFetch reads back for every partition.
    func checkCommitted(_ member: Member, admin: KafkaAdmin) async throws {
        let marker = Int64.random(in: 1_000_000_000 ... 2_000_000_000)
        try await commit(member, partitions: partitionCount, offset: marker)
        let committed = try await admin.listGroupOffsets(groupID)
        let wrong = (0..<partitionCount).filter { committed[TopicPartition(topic: topic, partition: $0)] != marker }
        guard wrong.isEmpty else { throw BenchFailure("OffsetFetch after commit: partitions \(wrong) do not read back \(marker)") }
    }
}

/// p50/p99 (nearest rank) and optionally the maximum of a set of durations, in milliseconds.
struct Summary: CustomStringConvertible {
    let sorted: [Duration]
    let withMax: Bool

    init(_ samples: [Duration], withMax: Bool = false) {
        sorted = samples.sorted()
        self.withMax = withMax
    }

    func percentile(_ p: Double) -> Duration {
        sorted[max(0, min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }

    var description: String {
        guard !sorted.isEmpty else { return "no samples" }
        var text = "p50 \(Self.ms(percentile(0.5))) ms  p99 \(Self.ms(percentile(0.99))) ms"
        if withMax, let max = sorted.last { text += "  max \(Self.ms(max)) ms" }
        return text + "  (n=\(sorted.count))"
    }

    static func ms(_ duration: Duration) -> String {
        String(format: "%.3f", duration.seconds * 1000)
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
