import NIOCore
import PetrelProtocol
import Testing

@testable import PetrelClient

/// A request frame written as segments (large `records` fields in their own buffers, not copied) is
/// byte for byte the frame `KafkaFraming.encodeRequest` builds, at every Produce version.
@Suite struct RequestFrameTests {
    /// Two topics, three partitions: records of 40 KiB, 100 B, none (null) and 20 KiB, so detached
    /// and copied records alternate and one sits right after another.
    func request() -> ProduceRequest {
        func records(_ count: Int, _ seed: UInt8) -> ByteBuffer {
            ByteBuffer(bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) &+ seed })
        }
        var request = ProduceRequest()
        request.acks = -1
        request.timeoutMs = 30_000
        var first = ProduceRequest.TopicProduceData()
        first.name = "first"
        let partitions: [(Int32, ByteBuffer?)] = [(0, records(40_960, 1)), (1, records(100, 2)), (2, nil)]
        first.partitionData = partitions.map { index, records in
            var data = ProduceRequest.PartitionProduceData()
            data.index = index
            data.records = records
            return data
        }
        var second = ProduceRequest.TopicProduceData()
        second.name = "second"
        var data = ProduceRequest.PartitionProduceData()
        data.records = records(20_480, 3)
        second.partitionData = [data]
        request.topicData = [first, second]
        return request
    }

    @Test(arguments: Array(ProduceRequest.versions))
    func segmentsJoinedAreTheWholeFrame(version: Int16) throws {
        let request = request()
        let whole = try KafkaFraming.encodeRequest(request, version: version, correlationID: 9, clientID: "c")
        let segments = try RequestFrame.segments(
            request, version: version, correlationID: 9, clientID: "c", detachingRecordsOfAtLeast: 16_384)
        // Header and body up to the first records, 40 KiB, the middle, 20 KiB, then (flexible versions)
        // the tagged fields that end the partition, the topic and the request.
        #expect(segments.map(\.readableBytes).filter { $0 >= 16_384 } == [40_960, 20_480])
        #expect(segments.count == (version >= 9 ? 5 : 4))
        #expect(segments.flatMap { Array($0.readableBytesView) } == Array(whole.readableBytesView))
        let undetached = try RequestFrame.segments(
            request, version: version, correlationID: 9, clientID: "c", detachingRecordsOfAtLeast: .max)
        #expect(undetached == [whole])
    }
}
