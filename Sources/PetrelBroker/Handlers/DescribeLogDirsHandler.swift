import PetrelMetadata
import PetrelProtocol
import PetrelStorage

#if canImport(Glibc)
import Glibc
#endif

/// DescribeLogDirs (key 35), v0-4: the log dir, the size of each partition in it, and the disk's
/// total and usable bytes (v4+).
struct DescribeLogDirsHandler: ApiHandler {
    typealias Request = DescribeLogDirsRequest
    let versions: ClosedRange<Int16> = 0...4
    let services: BrokerServices

    func handle(_ request: DescribeLogDirsRequest, context: RequestContext) async -> DescribeLogDirsResponse? {
        var response = DescribeLogDirsResponse()
        let image = services.metadata.image
        let wanted: [(String, [Int32])] =
            request.topics.map { $0.map { ($0.topic, $0.partitions) } }
            ?? image.topics.values.sorted { $0.name < $1.name }.map { ($0.name, $0.partitions.map(\.partitionID)) }
        for directory in services.partitions.logManager.logDirectories {
            var result = DescribeLogDirsResponse.DescribeLogDirsResult()
            result.logDir = directory.path
            var stats = statvfs()
            if statvfs(directory.path, &stats) == 0 {
                result.totalBytes = Int64(stats.f_blocks) * Int64(stats.f_frsize)
                result.usableBytes = Int64(stats.f_bavail) * Int64(stats.f_frsize)
            }
            for (topic, indexes) in wanted {
                var topicResult = DescribeLogDirsResponse.DescribeLogDirsTopic()
                topicResult.name = topic
                for index in indexes {
                    guard let partition = services.partitions.partition(topic, index) else { continue }
                    var described = DescribeLogDirsResponse.DescribeLogDirsPartition()
                    described.partitionIndex = index
                    described.partitionSize = partition.log.size
                    described.offsetLag = 0
                    topicResult.partitions.append(described)
                }
                if !topicResult.partitions.isEmpty { result.topics.append(topicResult) }
            }
            response.results.append(result)
        }
        return response
    }
}
