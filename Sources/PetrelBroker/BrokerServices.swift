import PetrelMetadata
import PetrelProtocol
import Synchronization

/// What handlers share: identity, configuration and the broker's subsystems. Immutable apart from the
/// advertised listeners, which are known only once the listeners are bound (port 0 picks a port).
final class BrokerServices: Sendable {
    let nodeID: Int32
    let clusterID: String
    let configuration: BrokerConfiguration
    let configValues: BrokerConfigValues
    let metadata: MetadataManager
    let partitions: PartitionManager
    private let advertised: Mutex<[Listener]> = Mutex([])

    init(
        clusterID: String, configuration: BrokerConfiguration, configValues: BrokerConfigValues,
        metadata: MetadataManager, partitions: PartitionManager
    ) {
        self.nodeID = configuration.nodeID
        self.clusterID = clusterID
        self.configuration = configuration
        self.configValues = configValues
        self.metadata = metadata
        self.partitions = partitions
    }

    /// Listeners given to clients: `advertised.listeners`, else the bound listeners.
    var advertisedListeners: [Listener] {
        get { advertised.withLock { $0 } }
    }

    func setAdvertisedListeners(_ listeners: [Listener]) {
        advertised.withLock { $0 = listeners }
    }

    /// The endpoint clients should use for this broker (the first advertised listener).
    var endpoint: (host: String, port: Int32) {
        let listener = advertisedListeners.first ?? Listener(name: "PLAINTEXT", host: "localhost", port: 9092)
        return (listener.host, Int32(listener.port))
    }

    /// A topic's effective typed configuration (its overrides over the broker defaults).
    func topicConfiguration(_ topic: String, in image: MetadataImage) -> TopicConfiguration {
        TopicConfiguration.effective(
            overrides: image.configs(of: ConfigResource(type: .topic, name: topic)), broker: configValues,
            defaults: configuration.log.topicDefaults)
    }
}
