import FoundationEssentials
import Logging
import NIOCore
import NIOPosix
import PetrelProtocol

@testable import PetrelBroker

/// A broker on 127.0.0.1:0 over a fresh temporary log dir, and a pipelining client for it.
struct TestBroker {
    let broker: Broker
    let directory: String

    static func start(directory: String? = nil, overrides: [String] = []) async throws -> TestBroker {
        let directory =
            directory ?? FileManager.default.temporaryDirectory.appending(path: "petrel-test-\(UUID().uuidString)").path
        let values = try BrokerConfigValues(
            properties: [],
            overrides: ["listeners=PLAINTEXT://127.0.0.1:0", "log.dirs=\(directory)", "log.io.engine=sync"] + overrides)
        let broker = try await Broker.start(
            configuration: try BrokerConfiguration(values), values: values, logger: Logger(label: "test-broker"))
        return TestBroker(broker: broker, directory: directory)
    }

    var port: Int { broker.boundListeners[0].port }

    func stop(removingData: Bool = true) async {
        await broker.shutdown()
        if removingData { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Runs `body` with a connected client; the connection closes afterwards.
    func withClient<T>(_ body: (TestClient) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: 1 << 30)))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            let client = TestClient(outbound: outbound) { try await iterator.next() }
            return try await body(client)
        }
    }
}

/// Sends requests and reads response frames in order.
final class TestClient {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let nextFrame: () async throws -> ByteBuffer?
    private var correlationID: Int32 = 0

    init(outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, nextFrame: @escaping () async throws -> ByteBuffer?) {
        self.outbound = outbound
        self.nextFrame = nextFrame
    }

    struct Closed: Error {}

    /// Sends `request` without reading its response; returns its correlation id.
    @discardableResult
    func send<Request: KafkaRequest>(_ request: Request, version: Int16) async throws -> Int32 {
        correlationID += 1
        try await outbound.write(
            KafkaFraming.encodeRequest(request, version: version, correlationID: correlationID, clientID: "swift-test"))
        return correlationID
    }

    /// Reads the next response frame as `Response`, returning its correlation id too.
    func receive<Response: KafkaResponse>(
        _ type: Response.Type, version: Int16
    ) async throws -> (correlationID: Int32, response: Response) {
        guard let frame = try await nextFrame() else { throw Closed() }
        var reader = KafkaReader(buffer: frame)
        let header = try KafkaFraming.readResponseHeader(from: &reader, apiKey: Response.apiKey, apiVersion: version)
        return (header.correlationID, try Response(from: &reader, version: version))
    }

    func roundTrip<Request: KafkaRequest>(_ request: Request, version: Int16) async throws -> Request.Response {
        let id = try await send(request, version: version)
        let (correlationID, response) = try await receive(Request.Response.self, version: version)
        precondition(correlationID == id, "responses out of order")
        return response
    }

    /// The next frame, or nil once the broker closed the connection.
    func nextRawFrame() async throws -> ByteBuffer? {
        try await nextFrame()
    }

    func sendRaw(_ frame: ByteBuffer) async throws {
        try await outbound.write(frame)
    }
}
