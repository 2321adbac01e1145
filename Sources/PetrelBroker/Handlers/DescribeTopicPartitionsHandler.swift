import PetrelMetadata
import PetrelProtocol

/// DescribeTopicPartitions (key 75), v0: topics (all when none are named) with their partitions,
/// paged by `responsePartitionLimit` with a cursor (topic name, first partition) to resume from.
struct DescribeTopicPartitionsHandler: ApiHandler {
    typealias Request = DescribeTopicPartitionsRequest
    let versions: ClosedRange<Int16> = 0...0
    let services: BrokerServices

    typealias ResponseTopic = DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic

    func handle(_ request: DescribeTopicPartitionsRequest, context: RequestContext) async -> DescribeTopicPartitionsResponse? {
        var response = DescribeTopicPartitionsResponse()
        let image = services.metadata.image
        var names = request.topics.isEmpty ? image.topics.keys.sorted() : request.topics.map(\.name).sorted()
        if let cursor = request.cursor {
            names.removeAll { $0 < cursor.topicName }
        }
        var budget = max(1, Int(request.responsePartitionLimit))
        for name in names {
            var result = ResponseTopic()
            result.name = name
            guard let topic = image.topics[name] else {
                result.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                response.topics.append(result)
                continue
            }
            result.topicID = topic.id
            result.isInternal = InternalTopics.contains(name)
            let first = request.cursor.flatMap { $0.topicName == name ? Int($0.partitionIndex) : nil } ?? 0
            for partition in topic.partitions.dropFirst(first) {
                guard budget > 0 else {
                    var next = DescribeTopicPartitionsResponse.Cursor()
                    next.topicName = name
                    next.partitionIndex = partition.partitionID
                    response.nextCursor = next
                    if !result.partitions.isEmpty { response.topics.append(result) }
                    return response
                }
                budget -= 1
                var described = DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition()
                described.partitionIndex = partition.partitionID
                described.leaderID = partition.leader
                described.leaderEpoch = partition.leaderEpoch
                described.replicaNodes = partition.replicas
                described.isrNodes = partition.isr
                described.eligibleLeaderReplicas = []
                described.lastKnownElr = []
                result.partitions.append(described)
            }
            response.topics.append(result)
        }
        return response
    }
}
