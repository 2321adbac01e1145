import PetrelMetadata
import PetrelProtocol

/// CreateTopics (key 19), v0-7: validate_only, topic configs (INVALID_CONFIG names the key), explicit
/// replica assignments; v5+ answers with the created topic's partitions, replication factor and configs.
struct CreateTopicsHandler: ApiHandler {
    typealias Request = CreateTopicsRequest
    let versions: ClosedRange<Int16> = 0...7
    let services: BrokerServices

    func handle(_ request: CreateTopicsRequest, context: RequestContext) async -> CreateTopicsResponse? {
        var response = CreateTopicsResponse()
        var counts: [String: Int] = [:]
        for topic in request.topics { counts[topic.name, default: 0] += 1 }
        for topic in request.topics {
            var result = CreateTopicsResponse.CreatableTopicResult()
            result.name = topic.name
            result.errorMessage = nil
            guard counts[topic.name] == 1 else {
                result.errorCode = KafkaErrorCode.invalidRequest.rawValue
                result.errorMessage = "Create topics request from client contains a duplicate topic \(topic.name)"
                response.topics.append(result)
                continue
            }
            var newTopic = TopicControl.NewTopic(name: topic.name)
            newTopic.numPartitions = topic.numPartitions
            newTopic.replicationFactor = topic.replicationFactor
            newTopic.assignments = topic.assignments.sorted { $0.partitionIndex < $1.partitionIndex }.map(\.brokerIDs)
            guard topic.assignments.map(\.partitionIndex).sorted() == Array(0..<Int32(topic.assignments.count)) else {
                result.errorCode = KafkaErrorCode.invalidReplicaAssignment.rawValue
                result.errorMessage = "Partitions of the manual assignment must be 0 to n-1"
                response.topics.append(result)
                continue
            }
            for config in topic.configs {
                newTopic.configs[config.name] = config.value
            }
            do {
                let created = try await services.createTopic(newTopic, validateOnly: request.validateOnly)
                result.topicID = request.validateOnly ? .zero : created.id
                result.numPartitions = Int32(created.partitions.count)
                result.replicationFactor = Int16(clamping: created.partitions.first?.replicas.count ?? 0)
                // v5+ describes the created topic's configs.
                guard context.apiVersion >= 5 else {
                    response.topics.append(result)
                    continue
                }
                result.configs = DescribeConfigsHandler.topicEntries(
                    overrides: newTopic.configs, services: services, keys: nil, includeSynonyms: false,
                    includeDocumentation: false, version: 1
                ).map { entry in
                    var config = CreateTopicsResponse.CreatableTopicConfigs()
                    config.name = entry.name
                    config.value = entry.value
                    config.readOnly = entry.readOnly
                    config.configSource = entry.configSource
                    config.isSensitive = entry.isSensitive
                    return config
                }
            } catch {
                result.errorCode = error.code.rawValue
                result.errorMessage = error.message
            }
            response.topics.append(result)
        }
        return response
    }
}
