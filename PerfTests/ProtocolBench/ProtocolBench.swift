import NIOCore
import PetrelProtocol

/// Decode and re-encode cost of the two big messages on the data path, beside a memcpy of the
/// same bytes measured in the same run: a ProduceRequest (v9) and a FetchResponse (v12), each with
/// 100 partitions of 16 KiB records. Records stay `ByteBuffer` slices on decode (no copy); encoding
/// copies them into the output buffer once, as a response writer would.
@main
struct ProtocolBench {
    static let partitions = 100
    static let recordBytes = 16 * 1024

    static func main() throws {
        var generator = SystemRandomNumberGenerator()
        let records = ByteBuffer(bytes: (0..<recordBytes).map { _ in UInt8.random(in: 0...255, using: &generator) })

        var produce = ProduceRequest()
        produce.acks = -1
        produce.timeoutMs = 30_000
        var topic = ProduceRequest.TopicProduceData()
        topic.name = "bench"
        topic.partitionData = (0..<partitions).map { index in
            var partition = ProduceRequest.PartitionProduceData()
            partition.index = Int32(index)
            partition.records = records
            return partition
        }
        produce.topicData = [topic]

        var fetch = FetchResponse()
        var response = FetchResponse.FetchableTopicResponse()
        response.topic = "bench"
        response.partitions = (0..<partitions).map { index in
            var partition = FetchResponse.PartitionData()
            partition.partitionIndex = Int32(index)
            partition.highWatermark = 1_000_000
            partition.lastStableOffset = 1_000_000
            partition.records = records
            return partition
        }
        fetch.responses = [response]

        try run("ProduceRequest v9", produce, version: 9)
        try run("FetchResponse v12", fetch, version: 12)
    }

    static func run<Message: KafkaMessage>(_ name: String, _ message: Message, version: Int16) throws {
        let bytes = try message.encoded(version: version)
        let size = bytes.readableBytes
        let iterations = max(20, 400_000_000 / size)  // about 400 MB of traffic per measurement

        // Reference: copy the same number of bytes.
        let source = [UInt8](bytes.readableBytesView)
        var destination = [UInt8](repeating: 0, count: size)
        let copyTime = measure(iterations) {
            destination.withUnsafeMutableBytes { to in source.withUnsafeBytes { from in to.copyMemory(from: from) } }
        }
        precondition(destination == source)

        var decoded: Message?
        let decodeTime = try measure(iterations) {
            var reader = KafkaReader(buffer: bytes)
            decoded = try Message(from: &reader, version: version)
        }
        precondition(decoded == message)

        var checksum = 0
        let roundTripTime = try measure(iterations) {
            var reader = KafkaReader(buffer: bytes)
            let value = try Message(from: &reader, version: version)
            var writer = KafkaWriter(buffer: ByteBuffer())
            writer.buffer.reserveCapacity(size)
            try value.encode(into: &writer, version: version)
            checksum &+= writer.buffer.readableBytes
        }
        precondition(checksum == size * (iterations + 1))  // + the warm-up run

        func report(_ label: String, _ seconds: Double) -> String {
            let perOp = seconds / Double(iterations)
            let rate = Double(size) / perOp / 1e9
            return "\(label) \(format(perOp * 1e6)) µs/op (\(format(rate)) GB/s)"
        }
        print("\(name), \(partitions) partitions x \(recordBytes / 1024) KiB, \(size) bytes, \(iterations) iterations:")
        print("  " + report("decode          ", decodeTime))
        print("  " + report("decode + encode ", roundTripTime))
        print("  " + report("memcpy reference", copyTime))
        print("  decode + encode costs \(format(roundTripTime / copyTime))x a memcpy of the frame")
    }

    static func measure(_ iterations: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()  // warm-up
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<iterations { try body() }
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func format(_ value: Double) -> String {
        let scaled = (value * 100).rounded() / 100
        return String(scaled)
    }
}
