import Logging
import NIOCore
import PetrelProtocol

/// Turns request frames into response frames: reads the request header, finds the API's handler,
/// decodes the body at the request's version, runs the handler and encodes the response with its
/// header and size prefix.
///
/// Unknown API keys, versions the broker does not serve and undecodable headers or bodies close the
/// connection, as Kafka does; the one exception is ApiVersions, which answers an unsupported version
/// with a v0 response carrying UNSUPPORTED_VERSION and the supported ranges so clients can downgrade.
struct RequestDispatcher: RequestProcessor {
    private let handlers: [ApiKey: AnyApiHandler]
    private let logger: Logger
    /// Initial capacity of a response buffer.
    static let responseBytesHint = 1024

    init(handlers: [AnyApiHandler], logger: Logger) {
        var byKey: [ApiKey: AnyApiHandler] = [:]
        for handler in handlers {
            precondition(byKey[handler.apiKey] == nil, "two handlers for \(handler.apiKey)")
            byKey[handler.apiKey] = handler
        }
        self.handlers = byKey
        self.logger = logger
    }

    /// Every served API with its version range, ascending by key (ApiVersions' answer).
    var servedVersions: [(apiKey: ApiKey, versions: ClosedRange<Int16>)] {
        handlers.values.map { ($0.apiKey, $0.versions) }.sorted { $0.apiKey < $1.apiKey }
    }

    func process(
        _ frame: ByteBuffer, connection: ConnectionInfo, appendsQueued: @escaping @Sendable () -> Void
    ) async throws(UnreadableRequest) -> ResponseFrame? {
        guard let rawKey = frame.getInteger(at: frame.readerIndex, as: Int16.self),
            let apiVersion = frame.getInteger(at: frame.readerIndex + 2, as: Int16.self)
        else {
            throw UnreadableRequest(description: "request of \(frame.readableBytes) bytes has no header")
        }
        let apiKey = ApiKey(rawKey)
        guard let handler = handlers[apiKey] else {
            throw UnreadableRequest(description: "unsupported API key \(rawKey)")
        }
        guard let headerVersion = requestHeaderVersion(apiKey: apiKey, apiVersion: apiVersion) else {
            throw UnreadableRequest(description: "no header version for \(apiKey) v\(apiVersion)")
        }
        var reader = KafkaReader(buffer: frame)
        let header: RequestHeader
        do {
            header = try RequestHeader(from: &reader, version: headerVersion)
        } catch {
            throw UnreadableRequest(description: "unreadable \(apiKey) v\(apiVersion) request header: \(error)")
        }
        let context = RequestContext(header: header, connection: connection, appendsQueued: appendsQueued)
        guard handler.versions.contains(apiVersion) else {
            if apiKey == .apiVersions {
                return try encode(unsupportedApiVersions(), version: 0, apiKey: apiKey, context: context)
            }
            throw UnreadableRequest(
                description: "unsupported \(apiKey) version \(apiVersion) (serving \(handler.versions))")
        }
        guard let output = try await handler.process(&reader, context: context) else { return nil }
        let frame = try encode(output.message, version: apiVersion, apiKey: apiKey, context: context)
        guard let splice = output.splice, !splice.isEmpty else { return frame }
        guard case .byteBuffer(let bytes) = frame.parts.first,
            let spliced = splice.splice(into: bytes, compact: type(of: output.message).isFlexible(apiVersion))
        else {
            logger.error("cannot splice file regions into the \(apiKey) v\(apiVersion) response")
            throw UnreadableRequest(description: "response splicing failed")
        }
        return spliced
    }

    /// Kafka's answer to an ApiVersions version it does not know: v0, UNSUPPORTED_VERSION, and the ranges.
    private func unsupportedApiVersions() -> ApiVersionsResponse {
        var response = ApiVersionsHandler.response(for: servedVersions)
        response.errorCode = KafkaErrorCode.unsupportedVersion.rawValue
        return response
    }

    private func encode(
        _ response: any KafkaMessage, version: Int16, apiKey: ApiKey, context: RequestContext
    ) throws(UnreadableRequest) -> ResponseFrame {
        guard let headerVersion = responseHeaderVersion(apiKey: apiKey, apiVersion: version) else {
            throw UnreadableRequest(description: "no response header version for \(apiKey) v\(version)")
        }
        // Room for most responses up front: growing from empty reallocates several times per response.
        var writer = KafkaWriter(buffer: ByteBufferAllocator().buffer(capacity: Self.responseBytesHint))
        writer.writeInt32(0)  // size, patched below
        var header = ResponseHeader()
        header.correlationID = context.header.correlationID
        do {
            try header.encode(into: &writer, version: headerVersion)
            try response.encode(into: &writer, version: version)
        } catch {
            // A response this broker built but cannot encode is a bug; the client gets a closed
            // connection rather than a malformed frame.
            logger.error("cannot encode \(apiKey) v\(version) response: \(error)")
            throw UnreadableRequest(description: "response encoding failed")
        }
        var buffer = writer.buffer
        buffer.setInteger(Int32(buffer.readableBytes - 4), at: buffer.readerIndex)
        return ResponseFrame(buffer)
    }
}

/// What a handler produced: the response body and, for Fetch, the file slices to splice in.
struct HandlerOutput: Sendable {
    var message: any KafkaMessage
    var splice: RecordsSplice?
}

/// A type-erased `ApiHandler` or `FileRegionApiHandler`: decodes its request body and runs it.
struct AnyApiHandler: Sendable {
    let apiKey: ApiKey
    let versions: ClosedRange<Int16>
    private let run: @Sendable (inout KafkaReader, RequestContext) async throws(UnreadableRequest) -> HandlerOutput?

    init<Handler: ApiHandler>(_ handler: Handler) {
        self.init(Handler.Request.self, versions: handler.versions) { request, context in
            await handler.handle(request, context: context).map { HandlerOutput(message: $0, splice: nil) }
        }
    }

    init<Handler: FileRegionApiHandler>(_ handler: Handler) {
        self.init(Handler.Request.self, versions: handler.versions) { request, context in
            let (response, splice) = await handler.handle(request, context: context)
            return HandlerOutput(message: response, splice: splice)
        }
    }

    private init<Request: KafkaRequest>(
        _ type: Request.Type, versions: ClosedRange<Int16>,
        handle: @escaping @Sendable (Request, RequestContext) async -> HandlerOutput?
    ) {
        precondition(
            Request.versions.lowerBound <= versions.lowerBound && versions.upperBound <= Request.versions.upperBound,
            "\(Request.apiKey) serves versions its message type cannot encode")
        apiKey = Request.apiKey
        self.versions = versions
        run = { reader, context throws(UnreadableRequest) in
            let request: Request
            do {
                request = try Request(from: &reader, version: context.apiVersion)
            } catch {
                throw UnreadableRequest(description: "unreadable \(Request.apiKey) v\(context.apiVersion) body: \(error)")
            }
            return await handle(request, context)
        }
    }

    func process(_ reader: inout KafkaReader, context: RequestContext) async throws(UnreadableRequest) -> HandlerOutput? {
        try await run(&reader, context)
    }
}
