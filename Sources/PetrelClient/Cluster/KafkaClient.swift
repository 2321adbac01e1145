import NIOCore
import NIOPosix
import PetrelProtocol

/// The connection pool and metadata cache shared by a producer, consumer or admin client.
///
/// It bootstraps from the configured addresses (tried in order until one answers), learns the brokers
/// from Metadata, keeps one connection per broker, and finds group coordinators. Callers that get a
/// retriable error (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, a lost connection...) call
/// `invalidateMetadata()` and retry after `configuration.backoff(attempt:)`; `retrying` does that.
///
/// RPCs: Metadata, FindCoordinator (v4+ batched keys or v0-3 single key), plus whatever callers send.
public actor KafkaClient {
    public let configuration: ClientConfiguration
    private let group: any EventLoopGroup
    private var connections: [Int32: BrokerConnection] = [:]
    private var connecting: [Int32: Task<BrokerConnection, any Error>] = [:]
    private var bootstrapConnection: BrokerConnection?
    private var cached: ClusterMetadata?
    private var cachedAt: ContinuousClock.Instant?
    /// Topics the cache is kept fresh for (every topic anyone asked about).
    private var knownTopics: Set<String> = []
    private var coordinators: [String: Int32] = [:]
    private var isClosed = false

    public init(configuration: ClientConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    /// Closes every connection; later calls fail with `closed`.
    public func close() {
        isClosed = true
        for connection in connections.values { connection.close() }
        bootstrapConnection?.close()
        connections = [:]
        bootstrapConnection = nil
        for task in connecting.values { task.cancel() }
        connecting = [:]
    }

    // MARK: Metadata

    /// Metadata covering `topics` (all topics when nil), from the cache when it is younger than
    /// `metadata.max.age.ms` and covers them, otherwise from a Metadata request. `autoCreate` asks the
    /// broker to create missing topics (`allow.auto.create.topics`).
    public func metadata(topics: [String]?, autoCreate: Bool = false, refresh: Bool = false) async throws(KafkaClientError)
        -> ClusterMetadata
    {
        if !refresh, let cached, let cachedAt, cachedAt + configuration.metadataMaxAge > .now, let topics,
            topics.allSatisfy({ cached.topics[$0] != nil && cached.topics[$0]?.errorCode == KafkaErrorCode.none })
        {
            return cached
        }
        let wanted: [String]? = topics.map { Array(knownTopics.union($0)).sorted() }
        var request = MetadataRequest()
        request.topics = wanted?.map {
            var topic = MetadataRequest.MetadataRequestTopic()
            topic.name = $0
            return topic
        }
        request.allowAutoTopicCreation = autoCreate
        let response = try await sendToAnyBroker(request)
        let fresh = ClusterMetadata(response)
        if let topics { knownTopics.formUnion(topics) }
        cached = fresh
        cachedAt = .now
        return fresh
    }

    /// Makes the next `metadata` call ask the broker (after a leader change or unknown-topic error).
    public func invalidateMetadata() {
        cachedAt = nil
    }

    /// Forgets `topic` so it is no longer fetched with every refresh (deleted topics).
    public func forget(topic: String) {
        knownTopics.remove(topic)
    }

    // MARK: Sending

    /// Sends `request` to broker `nodeID`, connecting if needed; `timeout` overrides `request.timeout.ms`.
    public func send<Request: KafkaRequest>(_ request: Request, to nodeID: Int32, timeout: Duration? = nil)
        async throws(KafkaClientError) -> Request.Response
    {
        let connection = try await connection(to: nodeID)
        do {
            return try await connection.send(request, timeout: timeout)
        } catch {
            if !connection.isActive { drop(nodeID, connection) }
            throw error
        }
    }

    /// The version of `Request` negotiated with broker `nodeID`.
    func version<Request: KafkaRequest>(of type: Request.Type, on nodeID: Int32) async throws(KafkaClientError) -> Int16 {
        try await connection(to: nodeID).version(of: type)
    }

    /// Sends `request` to any reachable broker (an existing connection first, then bootstrap servers
    /// and known brokers in order).
    public func sendToAnyBroker<Request: KafkaRequest>(_ request: Request) async throws(KafkaClientError)
        -> Request.Response
    {
        var lastError = KafkaClientError.noBrokerAvailable(configuration.bootstrapServers.map(\.description).joined(separator: ","))
        for connection in try await candidateConnections() {
            do {
                return try await connection.send(request)
            } catch where error.isRetriable && !connection.isActive {
                lastError = error
                forget(connection)
            }
        }
        throw lastError
    }

    /// Runs `operation` until it succeeds, fails with a non-retriable error, or `default.api.timeout.ms`
    /// passes; before each retry the metadata is invalidated and the backoff slept.
    public func retrying<T: Sendable>(
        _ what: String, _ operation: @Sendable () async throws(KafkaClientError) -> T
    ) async throws(KafkaClientError) -> T {
        let deadline = ContinuousClock.now + configuration.apiTimeout
        var attempt = 0
        while true {
            do {
                return try await operation()
            } catch where error.isRetriable && ContinuousClock.now < deadline && !isClosed {
                attempt += 1
                invalidateMetadata()
                if error.brokerErrorCode == .notCoordinator || error.brokerErrorCode == .coordinatorNotAvailable {
                    coordinators = [:]
                }
                do {
                    try await Task.sleep(for: configuration.backoff(attempt: attempt))
                } catch {
                    throw .closed("\(what) cancelled")
                }
            }
        }
    }

    // MARK: Coordinators

    /// The node id of the group coordinator for `groupID` (cached until a NOT_COORDINATOR error).
    public func coordinator(forGroup groupID: String) async throws(KafkaClientError) -> Int32 {
        if let known = coordinators[groupID] { return known }
        var request = FindCoordinatorRequest()
        request.key = groupID
        request.keyType = 0
        request.coordinatorKeys = [groupID]
        let connection = try await candidateConnections()[0]
        let version = try connection.version(of: FindCoordinatorRequest.self)
        if version < 4 { request.coordinatorKeys = [] } else { request.key = "" }
        let response = try await connection.send(request, version: version)
        let (errorCode, nodeID, host, port): (Int16, Int32, String, Int32)
        if version >= 4 {
            guard let entry = response.coordinators.first else {
                throw .protocolError("FindCoordinator response without coordinators")
            }
            (errorCode, nodeID, host, port) = (entry.errorCode, entry.nodeID, entry.host, entry.port)
        } else {
            (errorCode, nodeID, host, port) = (response.errorCode, response.nodeID, response.host, response.port)
        }
        guard errorCode == KafkaErrorCode.none.rawValue else {
            throw .broker(KafkaErrorCode(rawValue: errorCode), "FindCoordinator(\(groupID))")
        }
        if cached?.brokers[nodeID] == nil {
            cached?.brokers[nodeID] = ClusterMetadata.Broker(nodeID: nodeID, address: BrokerAddress(host: host, port: Int(port)))
        }
        coordinators[groupID] = nodeID
        return nodeID
    }

    /// Forgets the cached coordinator of `groupID` (after NOT_COORDINATOR or a lost connection).
    public func invalidateCoordinator(forGroup groupID: String) {
        coordinators[groupID] = nil
    }

    // MARK: Connections

    /// The live connection to broker `nodeID`, connecting first if needed (the producer writes its
    /// pipelined Produce requests on it directly).
    func connection(to nodeID: Int32) async throws(KafkaClientError) -> BrokerConnection {
        if isClosed { throw .closed("client closed") }
        if let existing = connections[nodeID], existing.isActive { return existing }
        if let inProgress = connecting[nodeID] { return try await awaitConnection(inProgress) }
        var address = cached?.brokers[nodeID]?.address
        if address == nil {
            address = try await metadata(topics: [], refresh: true).brokers[nodeID]?.address
        }
        guard let address else { throw .noBrokerAvailable("node \(nodeID) is not in the cluster metadata") }
        let configuration = configuration
        let group = group
        let task = Task { () throws -> BrokerConnection in
            try await BrokerConnection.connect(
                to: address, clientID: configuration.clientID, requestTimeout: configuration.requestTimeout,
                connectTimeout: configuration.connectTimeout, maxResponseBytes: configuration.maxResponseBytes, group: group)
        }
        connecting[nodeID] = task
        defer { connecting[nodeID] = nil }
        let connection = try await awaitConnection(task)
        connections[nodeID] = connection
        return connection
    }

    private func awaitConnection(_ task: Task<BrokerConnection, any Error>) async throws(KafkaClientError) -> BrokerConnection {
        do {
            return try await task.value
        } catch let error as KafkaClientError {
            throw error
        } catch {
            throw .connectionFailed("\(error)")
        }
    }

    /// Live connections first, then new ones to bootstrap servers and known brokers, in order; the
    /// first new connection that succeeds is kept as the bootstrap connection.
    private func candidateConnections() async throws(KafkaClientError) -> [BrokerConnection] {
        if isClosed { throw .closed("client closed") }
        let live = connections.values.filter(\.isActive) + [bootstrapConnection].compactMap { $0 }.filter(\.isActive)
        if !live.isEmpty { return live }
        var lastError = KafkaClientError.noBrokerAvailable("no bootstrap servers configured")
        let addresses = configuration.bootstrapServers + (cached?.brokers.values.map(\.address).sorted { $0.description < $1.description } ?? [])
        for address in addresses {
            do {
                let connection = try await BrokerConnection.connect(
                    to: address, clientID: configuration.clientID, requestTimeout: configuration.requestTimeout,
                    connectTimeout: configuration.connectTimeout, maxResponseBytes: configuration.maxResponseBytes,
                    group: group)
                bootstrapConnection = connection
                return [connection]
            } catch {
                lastError = .noBrokerAvailable("\(address): \(error)")
            }
        }
        throw lastError
    }

    private func drop(_ nodeID: Int32, _ connection: BrokerConnection) {
        connection.close()
        if connections[nodeID] === connection { connections[nodeID] = nil }
    }

    private func forget(_ connection: BrokerConnection) {
        connection.close()
        if bootstrapConnection === connection { bootstrapConnection = nil }
        connections = connections.filter { $0.value !== connection }
    }
}
