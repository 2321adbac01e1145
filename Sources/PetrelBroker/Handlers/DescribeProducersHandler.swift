import PetrelProtocol
import PetrelStorage

/// DescribeProducers (key 61), v0: per partition, the idempotent producers whose state the log keeps
/// (producer id, epoch, last sequence and timestamp). Transactions do not exist yet, so
/// `currentTxnStartOffset` stays -1 and `coordinatorEpoch` -1.
struct DescribeProducersHandler: ApiHandler {
    typealias Request = DescribeProducersRequest
    let versions: ClosedRange<Int16> = 0...0
    let services: BrokerServices

    func handle(_ request: DescribeProducersRequest, context: RequestContext) async -> DescribeProducersResponse? {
        var response = DescribeProducersResponse()
        response.topics = request.topics.map { topic in
            var topicResponse = DescribeProducersResponse.TopicResponse()
            topicResponse.name = topic.name
            topicResponse.partitions = topic.partitionIndexes.map { index in
                var result = DescribeProducersResponse.PartitionResponse()
                result.partitionIndex = index
                guard let partition = services.partitions.partition(topic.name, index) else {
                    result.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                    return result
                }
                result.activeProducers = partition.log.activeProducers.map { producer in
                    var state = DescribeProducersResponse.ProducerState()
                    state.producerID = producer.producerId
                    state.producerEpoch = Int32(producer.producerEpoch)
                    state.lastSequence = producer.lastSequence
                    state.lastTimestamp = producer.lastTimestamp
                    state.coordinatorEpoch = -1
                    return state
                }
                return result
            }
            return topicResponse
        }
        return response
    }
}
