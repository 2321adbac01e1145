import PetrelProtocol
import PetrelStorage

/// OffsetForLeaderEpoch (key 23), v0-4: the end offset of a leader epoch, used by consumers to detect
/// log truncation. A single node never changes leader, so each partition has one epoch, which ends at
/// the log end offset; later epochs are unknown (-1, -1).
struct OffsetForLeaderEpochHandler: ApiHandler {
    typealias Request = OffsetForLeaderEpochRequest
    let versions: ClosedRange<Int16> = 0...4
    let services: BrokerServices

    func handle(_ request: OffsetForLeaderEpochRequest, context: RequestContext) async -> OffsetForLeaderEpochResponse? {
        var response = OffsetForLeaderEpochResponse()
        for topic in request.topics {
            var topicResult = OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult()
            topicResult.topic = topic.topic
            for requested in topic.partitions {
                var result = OffsetForLeaderEpochResponse.EpochEndOffset()
                result.partition = requested.partition
                if let partition = services.partitions.partition(topic.topic, requested.partition) {
                    if let error = FetchHandler.checkLeaderEpoch(requested.currentLeaderEpoch, partition: partition) {
                        result.errorCode = error.rawValue
                    } else if requested.leaderEpoch <= partition.leaderEpoch {
                        result.leaderEpoch = partition.leaderEpoch
                        result.endOffset = partition.log.logEndOffset
                    }
                } else {
                    result.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                }
                topicResult.partitions.append(result)
            }
            response.topics.append(topicResult)
        }
        return response
    }
}
