import PetrelProtocol
import PetrelStorage

/// ListOffsets (key 2), v1-10: earliest (-2, and -4 earliest-local), latest (-1: the high watermark, or
/// the last stable offset under read_committed), max timestamp (-3), and the first offset whose batch
/// has a timestamp at or after a given one.
struct ListOffsetsHandler: ApiHandler {
    typealias Request = ListOffsetsRequest
    let versions: ClosedRange<Int16> = 1...10
    let services: BrokerServices

    static let latest: Int64 = -1
    static let earliest: Int64 = -2
    static let maxTimestamp: Int64 = -3
    static let earliestLocal: Int64 = -4

    func handle(_ request: ListOffsetsRequest, context: RequestContext) async -> ListOffsetsResponse? {
        var response = ListOffsetsResponse()
        for topic in request.topics {
            var topicResponse = ListOffsetsResponse.ListOffsetsTopicResponse()
            topicResponse.name = topic.name
            for requested in topic.partitions {
                var result = ListOffsetsResponse.ListOffsetsPartitionResponse()
                result.partitionIndex = requested.partitionIndex
                do throws(EntityError) {
                    guard let partition = services.partitions.partition(topic.name, requested.partitionIndex) else {
                        throw EntityError(.unknownTopicOrPartition)
                    }
                    if let error = FetchHandler.checkLeaderEpoch(requested.currentLeaderEpoch, partition: partition) {
                        throw EntityError(error)
                    }
                    if context.apiVersion >= 4 { result.leaderEpoch = partition.leaderEpoch }
                    (result.offset, result.timestamp) = try Self.lookup(
                        requested.timestamp, in: partition, readCommitted: request.isolationLevel == 1,
                        maxDecompressedBytes: services.configuration.network.requestBytesMax)
                } catch {
                    result.errorCode = error.code.rawValue
                }
                topicResponse.partitions.append(result)
            }
            response.topics.append(topicResponse)
        }
        return response
    }

    static func lookup(
        _ timestamp: Int64, in partition: Partition, readCommitted: Bool, maxDecompressedBytes: Int
    ) throws(EntityError) -> (offset: Int64, timestamp: Int64) {
        switch timestamp {
        case latest:
            return (readCommitted ? partition.lastStableOffset : partition.highWatermark, -1)
        case earliest, earliestLocal:
            return (partition.log.logStartOffset, -1)
        case maxTimestamp:
            return partition.log.maxTimestampAndOffset.map { ($0.offset, $0.timestamp) } ?? (-1, -1)
        default:
            guard timestamp >= 0 else { throw EntityError(.invalidRequest, "unknown special timestamp \(timestamp)") }
            do {
                guard
                    let found = try partition.log.offsetForTimestamp(timestamp, maxDecompressedBytes: maxDecompressedBytes),
                    found.offset < partition.highWatermark
                else { return (-1, -1) }
                return (found.offset, found.timestamp)
            } catch {
                throw error.entityError
            }
        }
    }
}
