import Logging
import NIOCore
import NIOPosix
import PetrelMetadata
import PetrelProtocol
import PetrelStorage

#if canImport(Glibc)
import Glibc
#endif

/// A single-node broker: formats or checks its log dir, opens the logs, replays the metadata log,
/// binds its listeners and serves until `shutdown()`.
///
/// Start: `meta.properties` (written on first start; a different node.id refuses to start) → LogManager
/// (recovers logs after an unclean stop) → `__cluster_metadata-0` replayed into a `MetadataImage` →
/// partition logs reconciled with the image → listeners bound. Shutdown: stop accepting, let
/// connections finish their in-flight requests, then flush, checkpoint and mark the log dir clean.
public final class Broker: Sendable {
    public let clusterID: String
    /// The bound listeners (port 0 replaced by the chosen port).
    public let boundListeners: [Listener]
    private let group: MultiThreadedEventLoopGroup
    private let serverChannels: [any Channel]
    private let connections: ConnectionRegistry
    private let services: BrokerServices
    private let coordinator: GroupCoordinator
    private let maintenance: Task<Void, Never>
    /// nil when `log.cleaner.enable=false`.
    private let cleaner: LogCleanerThread?
    private let logger: Logger

    private init(
        clusterID: String, boundListeners: [Listener], group: MultiThreadedEventLoopGroup,
        serverChannels: [any Channel], connections: ConnectionRegistry, services: BrokerServices,
        coordinator: GroupCoordinator, maintenance: Task<Void, Never>, cleaner: LogCleanerThread?, logger: Logger
    ) {
        self.clusterID = clusterID
        self.boundListeners = boundListeners
        self.group = group
        self.serverChannels = serverChannels
        self.connections = connections
        self.services = services
        self.coordinator = coordinator
        self.maintenance = maintenance
        self.cleaner = cleaner
        self.logger = logger
    }

    public static func start(
        configuration: BrokerConfiguration, values: BrokerConfigValues, logger: Logger
    ) async throws -> Broker {
        let logDir = configuration.log.dirs[0]
        let (meta, formatted) = try MetaProperties.loadOrFormat(
            directory: logDir, nodeID: configuration.nodeID, newClusterID: { Uuid.random().description })
        if formatted {
            logger.info("formatted log dir", metadata: ["dir": "\(logDir)", "cluster.id": "\(meta.clusterID)"])
        }
        var storageConfig = LogManagerConfig(logDirs: [logDir])
        storageConfig.defaultLogConfig = LogConfig(
            configuration.log.topicDefaults, durableAcks: configuration.log.durableAcks)
        storageConfig.ioEngine = configuration.log.ioEngine == .sync ? .sync : .ioUring
        storageConfig.retentionCheckInterval = configuration.log.retentionCheckInterval
        storageConfig.syncInterval = configuration.log.durableSyncInterval
        let logManager = try LogManager(config: storageConfig, logger: logger)

        let metadataLog = try StorageMetadataLog.open(in: logManager)
        let image = try await MetadataImage.replay(metadataLog, clusterID: meta.clusterID)
        let partitions = PartitionManager(logManager: logManager, logger: logger)
        let logConfig: @Sendable (MetadataImage, String) -> LogConfig = { image, topic in
            let typed = TopicConfiguration.effective(
                overrides: image.configs(of: ConfigResource(type: .topic, name: topic)), broker: values,
                defaults: configuration.log.topicDefaults)
            return LogConfig(typed, durableAcks: configuration.log.durableAcks)
        }
        await partitions.reconcile(with: image) { logConfig(image, $0) }
        let control = TopicControl(
            brokers: [configuration.nodeID], defaultPartitions: configuration.topics.numPartitions,
            defaultReplicationFactor: configuration.topics.defaultReplicationFactor)
        let metadata = MetadataManager(image: image, log: metadataLog, control: control) { image, _ in
            await partitions.reconcile(with: image) { logConfig(image, $0) }
        }
        let services = BrokerServices(
            clusterID: meta.clusterID, configuration: configuration, configValues: values, metadata: metadata,
            partitions: partitions)
        let coordinator = try await GroupCoordinator.start(services: services, logger: logger)
        let dispatcher = RequestDispatcher(handlers: Self.handlers(services, coordinator: coordinator), logger: logger)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let connections = ConnectionRegistry()
        var channels: [any Channel] = []
        var bound: [Listener] = []
        do {
            for listener in configuration.network.listeners {
                let channel = try await KafkaServer.bind(
                    listener, group: group, processor: dispatcher, connections: connections,
                    network: configuration.network, logger: logger)
                channels.append(channel)
                var actual = listener
                actual.port = channel.localAddress?.port ?? listener.port
                bound.append(actual)
            }
        } catch {
            for channel in channels { try? await channel.close() }
            await coordinator.shutdown()
            try? await group.shutdownGracefully()
            try? await logManager.shutdown()
            throw error
        }
        services.setAdvertisedListeners(
            configuration.network.advertisedListeners
                ?? bound.map { listener in
                    var advertised = listener
                    if advertised.host.isEmpty || advertised.host == "0.0.0.0" { advertised.host = Self.hostName() }
                    return advertised
                })
        let maintenance = Task { await Self.runMaintenance(logManager, configuration: configuration, logger: logger) }
        let cleaner =
            configuration.log.cleanerEnable
            ? LogCleanerThread(
                logManager: logManager, backoff: configuration.log.cleanerBackoff, now: WallClock.nowMilliseconds,
                logger: logger)
            : nil
        logger.info(
            "broker started",
            metadata: [
                "node.id": "\(configuration.nodeID)", "cluster.id": "\(meta.clusterID)",
                "listeners": "\(bound.map(\.description).joined(separator: ","))",
                "topics": "\(image.topics.count)", "io.engine": "\(logManager.ioEngine)",
            ])
        return Broker(
            clusterID: meta.clusterID, boundListeners: bound, group: group, serverChannels: channels,
            connections: connections, services: services, coordinator: coordinator, maintenance: maintenance,
            cleaner: cleaner, logger: logger)
    }

    /// Every API this broker serves; ApiVersions advertises exactly these.
    private static func handlers(_ services: BrokerServices, coordinator: GroupCoordinator) -> [AnyApiHandler] {
        var handlers = [
            AnyApiHandler(ProduceHandler(services: services)),
            AnyApiHandler(FetchHandler(services: services, sessions: FetchSessionCache())),
            AnyApiHandler(ListOffsetsHandler(services: services)),
            AnyApiHandler(MetadataHandler(services: services)),
            AnyApiHandler(CreateTopicsHandler(services: services)),
            AnyApiHandler(DeleteTopicsHandler(services: services)),
            AnyApiHandler(CreatePartitionsHandler(services: services)),
            AnyApiHandler(DescribeConfigsHandler(services: services)),
            AnyApiHandler(AlterConfigsHandler(services: services)),
            AnyApiHandler(IncrementalAlterConfigsHandler(services: services)),
            AnyApiHandler(DescribeClusterHandler(services: services)),
            AnyApiHandler(DescribeTopicPartitionsHandler(services: services)),
            AnyApiHandler(DeleteRecordsHandler(services: services)),
            AnyApiHandler(OffsetForLeaderEpochHandler(services: services)),
            AnyApiHandler(DescribeLogDirsHandler(services: services)),
            AnyApiHandler(InitProducerIdHandler(services: services, allocator: ProducerIDAllocator(services: services))),
            AnyApiHandler(DescribeProducersHandler(services: services)),
            AnyApiHandler(FindCoordinatorHandler(services: services, coordinator: coordinator)),
            AnyApiHandler(JoinGroupHandler(coordinator: coordinator)),
            AnyApiHandler(SyncGroupHandler(coordinator: coordinator)),
            AnyApiHandler(HeartbeatHandler(coordinator: coordinator)),
            AnyApiHandler(LeaveGroupHandler(coordinator: coordinator)),
            AnyApiHandler(OffsetCommitHandler(coordinator: coordinator)),
            AnyApiHandler(OffsetFetchHandler(coordinator: coordinator)),
            AnyApiHandler(ListGroupsHandler(coordinator: coordinator)),
            AnyApiHandler(DescribeGroupsHandler(coordinator: coordinator)),
            AnyApiHandler(DeleteGroupsHandler(coordinator: coordinator)),
            AnyApiHandler(OffsetDeleteHandler(coordinator: coordinator)),
        ]
        handlers.append(AnyApiHandler(ApiVersionsHandler(otherAPIs: handlers.map { ($0.apiKey, $0.versions) })))
        return handlers
    }

    /// Retention and the flush scheduler, until cancelled at shutdown.
    private static func runMaintenance(_ logManager: LogManager, configuration: BrokerConfiguration, logger: Logger) async {
        let log = configuration.log
        let tick = [log.retentionCheckInterval, log.checkpointInterval, .seconds(1)].filter { $0 > .zero }.min() ?? .seconds(1)
        let clock = ContinuousClock()
        var nextRetention = clock.now + log.retentionCheckInterval
        var nextCheckpoint = clock.now + log.checkpointInterval
        while (try? await Task.sleep(for: tick)) != nil {
            let now = WallClock.nowMilliseconds()
            logManager.flushDirtyLogs(now: now)
            if clock.now >= nextRetention {
                _ = logManager.enforceRetention(now: now)
                nextRetention = clock.now + log.retentionCheckInterval
            }
            if clock.now >= nextCheckpoint {
                do {
                    try logManager.checkpoint()
                } catch {
                    logger.warning("cannot write the log checkpoints", metadata: ["error": "\(error)"])
                }
                nextCheckpoint = clock.now + log.checkpointInterval
            }
        }
    }

    /// Stops accepting, lets connections finish their in-flight requests, then flushes and checkpoints
    /// the logs and marks the log dir clean.
    public func shutdown() async {
        logger.info("broker shutting down")
        for channel in serverChannels {
            try? await channel.close()
        }
        // Parked JoinGroup/SyncGroup requests would hold their connections open until rebalance timeouts.
        await coordinator.shutdown()
        await connections.quiesce()
        maintenance.cancel()
        cleaner?.shutdown()
        do {
            try await services.partitions.logManager.shutdown()
        } catch {
            logger.error("log shutdown failed; the next start recovers the logs: \(error)")
        }
        try? await group.shutdownGracefully()
        logger.info("broker stopped")
    }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
