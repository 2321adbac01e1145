import PetrelMetadata
import PetrelProtocol

/// Metadata (key 3), v0-12: brokers, cluster id, controller, and topics with their partitions' leader,
/// leader epoch, replicas and ISR. A missing topic is created when both the request (v4+) and
/// `auto.create.topics.enable` allow it.
struct MetadataHandler: ApiHandler {
    typealias Request = MetadataRequest
    let versions: ClosedRange<Int16> = 0...12
    let services: BrokerServices

    func handle(_ request: MetadataRequest, context: RequestContext) async -> MetadataResponse? {
        var response = MetadataResponse()
        let (host, port) = services.endpoint
        var broker = MetadataResponse.MetadataResponseBroker()
        broker.nodeID = services.nodeID
        broker.host = host
        broker.port = port
        response.brokers = [broker]
        response.clusterID = services.clusterID
        response.controllerID = services.nodeID

        var image = services.metadata.image
        // v0 asks for every topic with an empty list; v1+ with null.
        let requested = request.topics ?? []
        if request.topics == nil || (context.apiVersion == 0 && requested.isEmpty) {
            response.topics = image.topics.keys.sorted().compactMap { image.topics[$0].map(Self.describe) }
            return response
        }
        let autoCreate = request.allowAutoTopicCreation && services.configuration.topics.autoCreateTopicsEnable
        for entry in requested {
            if let name = entry.name {
                if image.topics[name] == nil, autoCreate {
                    var topic = TopicControl.NewTopic(name: name)
                    topic.numPartitions = services.configuration.topics.numPartitions
                    topic.replicationFactor = services.configuration.topics.defaultReplicationFactor
                    do {
                        _ = try await services.createTopic(topic, validateOnly: false)
                    } catch where error.code == .topicAlreadyExists {
                        // Created concurrently by another request: describe it below.
                    } catch {
                        response.topics.append(Self.failed(name: name, id: .zero, error))
                        continue
                    }
                    image = services.metadata.image
                }
                if let topic = image.topics[name] {
                    response.topics.append(Self.describe(topic))
                } else {
                    let invalid = (try? TopicControl.validateTopicName(name)) == nil
                    response.topics.append(
                        Self.failed(
                            name: name, id: .zero,
                            EntityError(invalid ? .invalidTopicException : .unknownTopicOrPartition)))
                }
            } else if let topic = image.topic(id: entry.topicID) {
                response.topics.append(Self.describe(topic))
            } else {
                response.topics.append(Self.failed(name: nil, id: entry.topicID, EntityError(.unknownTopicID)))
            }
        }
        return response
    }

    static func describe(_ topic: TopicImage) -> MetadataResponse.MetadataResponseTopic {
        var result = MetadataResponse.MetadataResponseTopic()
        result.name = topic.name
        result.topicID = topic.id
        result.isInternal = InternalTopics.contains(topic.name)
        result.partitions = topic.partitions.map { partition in
            var described = MetadataResponse.MetadataResponsePartition()
            described.partitionIndex = partition.partitionID
            described.leaderID = partition.leader
            described.leaderEpoch = partition.leaderEpoch
            described.replicaNodes = partition.replicas
            described.isrNodes = partition.isr
            described.errorCode = partition.leader < 0 ? KafkaErrorCode.leaderNotAvailable.rawValue : 0
            return described
        }
        return result
    }

    private static func failed(name: String?, id: Uuid, _ error: EntityError) -> MetadataResponse.MetadataResponseTopic {
        var result = MetadataResponse.MetadataResponseTopic()
        result.name = name
        result.topicID = id
        result.errorCode = error.code.rawValue
        return result
    }
}
