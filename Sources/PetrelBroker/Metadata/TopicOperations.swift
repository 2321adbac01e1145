import PetrelMetadata
import PetrelProtocol

/// An error for one entity of a response (a topic, a partition, a config resource).
struct EntityError: Error, Sendable {
    var code: KafkaErrorCode
    var message: String?

    init(_ code: KafkaErrorCode, _ message: String? = nil) {
        self.code = code
        self.message = message
    }
}

extension ControllerError {
    var entityError: EntityError {
        let code: KafkaErrorCode =
            switch self.code {
            case .invalidTopic: .invalidTopicException
            case .topicAlreadyExists: .topicAlreadyExists
            case .unknownTopicOrPartition: .unknownTopicOrPartition
            case .invalidPartitions: .invalidPartitions
            case .invalidReplicationFactor: .invalidReplicationFactor
            case .invalidReplicaAssignment: .invalidReplicaAssignment
            case .invalidRequest: .invalidRequest
            }
        return EntityError(code, message)
    }
}

extension MetadataOperationError {
    var entityError: EntityError {
        switch self {
        case .refused(let error): error.entityError
        case .storage(let reason): EntityError(.kafkaStorageError, reason)
        }
    }
}

extension BrokerServices {
    /// Validates topic-level configs against the config table; INVALID_CONFIG names the key.
    func validateTopicConfigs(_ configs: [String: String]) throws(EntityError) {
        do {
            _ = try TopicConfiguration(overrides: configs, broker: configValues)
        } catch {
            throw EntityError(.invalidConfig, error.description)
        }
    }

    /// Creates a topic (or only validates it), shared by CreateTopics and Metadata's auto-creation.
    /// Returns the topic as created (or as it would be).
    func createTopic(_ topic: TopicControl.NewTopic, validateOnly: Bool) async throws(EntityError) -> TopicImage {
        try validateTopicConfigs(topic.configs)
        let topicID = Uuid.random()
        var planned: [MetadataRecord] = []
        do {
            let image = try await metadata.perform(validateOnly: validateOnly) { control, image throws(ControllerError) in
                planned = try control.createTopic(topic, topicID: topicID, in: image)
                return planned
            }
            if !validateOnly, let created = image.topics[topic.name] {
                return created
            }
            // Validation only: describe the topic the records would create.
            var preview = MetadataImage(clusterID: clusterID)
            for record in planned {
                preview = try preview.applying(record, offset: 0)
            }
            guard let created = preview.topics[topic.name] else {
                throw EntityError(.unknownServerError, "topic \(topic.name) was not created")
            }
            return created
        } catch let error as MetadataOperationError {
            throw error.entityError
        } catch let error as EntityError {
            throw error
        } catch {
            throw EntityError(.unknownServerError, "\(error)")
        }
    }
}
