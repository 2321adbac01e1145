import NIOCore
import NIOPosix
import PetrelProtocol
import Synchronization

/// A broker's host and port as given in `bootstrap.servers` or a Metadata response.
public struct BrokerAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (a bracketed IPv6 host is accepted); nil when malformed.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// One TCP connection to one broker: size-prefixed frames, correlation ids, any number of requests in
/// flight (pipelined), each request sent at the version negotiated with this broker by ApiVersions.
///
/// RPCs: ApiVersions once on connect (v3, falling back to the v0 answer a broker sends when it does not
/// support the version asked), then whatever the caller sends.
final class BrokerConnection: Sendable {
    let address: BrokerAddress
    private let channel: any Channel
    private let clientID: String
    private let requestTimeout: TimeAmount
    private let nextCorrelationID = Atomic<Int32>(0)
    private let versions: Mutex<ApiVersionTable?> = Mutex(nil)

    private init(address: BrokerAddress, channel: any Channel, clientID: String, requestTimeout: TimeAmount) {
        self.address = address
        self.channel = channel
        self.clientID = clientID
        self.requestTimeout = requestTimeout
    }

    /// Connects and negotiates API versions.
    static func connect(
        to address: BrokerAddress, clientID: String, requestTimeout: Duration, connectTimeout: Duration,
        maxResponseBytes: Int, group: any EventLoopGroup
    ) async throws(KafkaClientError) -> BrokerConnection {
        let peer = address.description
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ResponseFrameDecoder(maxFrameSize: maxResponseBytes))
                        try channel.pipeline.syncOperations.addHandler(ResponseRouter(peer: peer))
                    }
                }
                .connect(host: address.host, port: address.port)
                .get()
        } catch {
            throw .connectionFailed("\(peer): \(error)")
        }
        let connection = BrokerConnection(
            address: address, channel: channel, clientID: clientID, requestTimeout: TimeAmount(requestTimeout))
        do {
            try await connection.negotiateVersions()
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    var isActive: Bool { channel.isActive }

    func close() {
        channel.close(promise: nil)
    }

    /// The negotiated version of `Request`'s API on this broker.
    func version<Request: KafkaRequest>(of _: Request.Type) throws(KafkaClientError) -> Int16 {
        let table = versions.withLock { $0 }
        guard let table, let version = table.negotiate(Request.apiKey, ours: Request.versions) else {
            throw .unsupportedVersion("\(address) serves no version of \(Request.apiKey) in \(Request.versions)")
        }
        return version
    }

    /// Sends `request` at the negotiated version (or `version`) and waits for its response, at most
    /// `timeout` (default `request.timeout.ms`; JoinGroup waits for the whole rebalance).
    func send<Request: KafkaRequest>(_ request: Request, version: Int16? = nil, timeout: Duration? = nil)
        async throws(KafkaClientError) -> Request.Response
    {
        try await start(request, version: version, timeout: timeout).response()
    }

    /// Writes `request` now and returns its response to await later. Nothing is awaited in between, so
    /// requests started one after the other from one actor go out (and are answered) in that order:
    /// the producer pipelines Produce requests this way.
    func start<Request: KafkaRequest>(_ request: Request, version: Int16? = nil, timeout: Duration? = nil)
        throws(KafkaClientError) -> InFlightRequest<Request.Response>
    {
        let version = try { () throws(KafkaClientError) -> Int16 in
            if let version { return version }
            return try self.version(of: Request.self)
        }()
        let (frame, correlationID) = try encode(request, version: version)
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        // A write that fails before reaching the ResponseRouter (channel already closed) must still fail
        // the response; failing an already failed promise is a no-op.
        let written = channel.eventLoop.makePromise(of: Void.self)
        let address = address
        written.futureResult.whenFailure { promise.fail(KafkaClientError.connectionFailed("\(address): \($0)")) }
        channel.writeAndFlush(
            OutboundRequest(
                frame: frame, correlationID: correlationID, response: promise,
                timeout: timeout.map(TimeAmount.init) ?? requestTimeout),
            promise: written)
        return InFlightRequest(frame: promise.futureResult, apiKey: Request.apiKey, version: version, address: address)
    }

    /// Writes a request that gets no response (Produce with acks=0) now; the future completes once the
    /// bytes are written.
    func startWithoutResponse<Request: KafkaRequest>(_ request: Request) throws(KafkaClientError) -> EventLoopFuture<Void> {
        let version = try self.version(of: Request.self)
        let (frame, correlationID) = try encode(request, version: version)
        return channel.writeAndFlush(
            OutboundRequest(frame: frame, correlationID: correlationID, response: nil, timeout: requestTimeout))
    }

    /// The request's frame, with record batches of 16 KiB or more left in their own buffers (written
    /// with the frame in one writev instead of copied into it).
    private func encode<Request: KafkaRequest>(_ request: Request, version: Int16) throws(KafkaClientError)
        -> ([ByteBuffer], Int32)
    {
        let correlationID = nextCorrelationID.add(1, ordering: .relaxed).newValue
        do {
            let frame = try RequestFrame.segments(
                request, version: version, correlationID: correlationID, clientID: clientID,
                detachingRecordsOfAtLeast: 16_384)
            return (frame, correlationID)
        } catch {
            throw .invalidArgument("encoding \(Request.apiKey) v\(version): \(error)")
        }
    }

    /// ApiVersions: asks at v3 first. A broker that does not support that answers UNSUPPORTED_VERSION,
    /// normally with a v0 body listing its ApiVersions range (KIP-511); the request is repeated at the
    /// highest version it lists, or at v0 when the answer cannot be read at all (librdkafka's mock
    /// broker sends such an answer), as the Java client does.
    private func negotiateVersions() async throws(KafkaClientError) {
        var version = min(3, ApiVersionsRequest.versions.upperBound)
        var attempts = 0
        while true {
            attempts += 1
            let response = try await apiVersions(at: version)
            if let response, response.errorCode == KafkaErrorCode.none.rawValue {
                var ranges: [Int16: ClosedRange<Int16>] = [:]
                for api in response.apiKeys where api.minVersion <= api.maxVersion {
                    ranges[api.apiKey] = api.minVersion...api.maxVersion
                }
                let table = ApiVersionTable(ranges: ranges)
                versions.withLock { $0 = table }
                return
            }
            guard attempts < 3, response == nil || response?.errorCode == KafkaErrorCode.unsupportedVersion.rawValue else {
                throw .broker(KafkaErrorCode(rawValue: response?.errorCode ?? -1), "ApiVersions from \(address)")
            }
            let advertised = response?.apiKeys.first { $0.apiKey == ApiVersionsRequest.apiKey.rawValue }?.maxVersion
            let next = advertised.map { min($0, version - 1) } ?? 0
            guard next >= 0, next < version else { throw .unsupportedVersion("ApiVersions at \(address)") }
            version = next
        }
    }

    /// One ApiVersions round trip; nil when the answer cannot be decoded at `version` or at v0.
    private func apiVersions(at version: Int16) async throws(KafkaClientError) -> ApiVersionsResponse? {
        var request = ApiVersionsRequest()
        request.clientSoftwareName = "petrel"
        request.clientSoftwareVersion = "0.1.0"
        let (frame, correlationID) = try encode(request, version: version)
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        channel.writeAndFlush(
            OutboundRequest(frame: frame, correlationID: correlationID, response: promise, timeout: requestTimeout),
            promise: nil)
        var raw: ByteBuffer
        do {
            raw = try await promise.futureResult.get()
        } catch let error as KafkaClientError {
            throw error
        } catch {
            throw .connectionFailed("\(address): \(error)")
        }
        // ApiVersions responses always use response header v0: just the correlation id.
        raw.moveReaderIndex(forwardBy: 4)
        return try? ApiVersionsResponse(decodingWithFallback: raw, version: version)
    }
}

/// A request written to a broker whose response is still to come.
struct InFlightRequest<Response: KafkaResponse>: Sendable {
    let frame: EventLoopFuture<ByteBuffer>
    let apiKey: ApiKey
    let version: Int16
    let address: BrokerAddress

    /// Waits for the response frame and decodes it.
    func response() async throws(KafkaClientError) -> Response {
        let frame: ByteBuffer
        do {
            frame = try await self.frame.get()
        } catch let error as KafkaClientError {
            throw error
        } catch {
            throw .connectionFailed("\(address): \(error)")
        }
        var reader = KafkaReader(buffer: frame)
        do {
            _ = try KafkaFraming.readResponseHeader(from: &reader, apiKey: apiKey, apiVersion: version)
            return try Response(from: &reader, version: version)
        } catch {
            throw .protocolError("\(apiKey) v\(version) response from \(address): \(error)")
        }
    }
}
