import PetrelProtocol
import PetrelStorage

/// DeleteRecords (key 21), v0-2: moves a partition's log start offset to `offset` (-1: the high
/// watermark); offsets past the high watermark are OFFSET_OUT_OF_RANGE.
struct DeleteRecordsHandler: ApiHandler {
    typealias Request = DeleteRecordsRequest
    let versions: ClosedRange<Int16> = 0...2
    let services: BrokerServices

    func handle(_ request: DeleteRecordsRequest, context: RequestContext) async -> DeleteRecordsResponse? {
        var response = DeleteRecordsResponse()
        for topic in request.topics {
            var topicResult = DeleteRecordsResponse.DeleteRecordsTopicResult()
            topicResult.name = topic.name
            for requested in topic.partitions {
                var result = DeleteRecordsResponse.DeleteRecordsPartitionResult()
                result.partitionIndex = requested.partitionIndex
                result.lowWatermark = -1
                do throws(EntityError) {
                    guard let partition = services.partitions.partition(topic.name, requested.partitionIndex) else {
                        throw EntityError(.unknownTopicOrPartition)
                    }
                    guard !InternalTopics.contains(topic.name) else {
                        throw EntityError(.invalidTopicException, "Cannot delete records of internal topic \(topic.name)")
                    }
                    let target = requested.offset == -1 ? partition.highWatermark : requested.offset
                    guard target >= 0, target <= partition.highWatermark else {
                        throw EntityError(.offsetOutOfRange)
                    }
                    do {
                        result.lowWatermark = try partition.log.deleteRecords(before: target)
                    } catch {
                        throw error.entityError
                    }
                } catch {
                    result.errorCode = error.code.rawValue
                }
                topicResult.partitions.append(result)
            }
            response.topics.append(topicResult)
        }
        return response
    }
}
