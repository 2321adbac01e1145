import Logging
import NIOCore
import PetrelProtocol

/// What a connection needs from the request layer: one request frame in (size prefix stripped),
/// the complete response frame out (size prefix included, possibly ending in file regions), or nil
/// when the request gets no response (acks=0 Produce).
///
/// `appendsQueued` is called once a Produce request's appends are queued to storage (offsets
/// assigned); the connection starts its next Produce request only then (or when this one finished).
protocol RequestProcessor: Sendable {
    func process(
        _ frame: ByteBuffer, connection: ConnectionInfo, appendsQueued: @escaping @Sendable () -> Void
    ) async throws(UnreadableRequest) -> ResponseFrame?
}

/// Identity of a client connection, for logs and handlers.
struct ConnectionInfo: Sendable {
    var id: UInt64
    var remoteAddress: String
    /// The channel's event loop: the connection's requests run on it, and their timers are scheduled there.
    var eventLoop: any EventLoop
}

/// A response ready for the wire: byte buffers and file regions (sendfile) in order, and the file
/// handles of those regions, closed once the write completes (or fails).
struct ResponseFrame: Sendable {
    var parts: [IOData]
    var closingAfterWrite: [NIOFileHandle]

    init(_ parts: [IOData], closingAfterWrite: [NIOFileHandle] = []) {
        self.parts = parts
        self.closingAfterWrite = closingAfterWrite
    }

    init(_ buffer: ByteBuffer) { self.init([.byteBuffer(buffer)]) }

    func closeFiles() {
        for handle in closingAfterWrite { try? handle.close() }
    }
}

/// A frame or header that cannot be understood; the connection is closed with one log line.
struct UnreadableRequest: Error, CustomStringConvertible {
    var description: String
}

/// Per-connection handler after the frame decoder: hands each frame to the `RequestProcessor`
/// concurrently, writes responses in request order (`ResponseSequencer`), closes the connection on
/// an unreadable request and when it has been idle (no requests in flight) for `connections.max.idle.ms`.
final class KafkaConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Never
    typealias OutboundOut = IOData

    private let processor: any RequestProcessor
    private let connection: ConnectionInfo
    private let logger: Logger
    private var sequencer = ResponseSequencer<ResponseFrame>()
    /// Opens when the last produce request read has queued its appends (or finished).
    private var previousProduceQueued: OneTimeGate?
    /// Request tasks run on this connection's event loop (set in `handlerAdded`).
    private var executor: EventLoopTaskExecutor?
    private var closing = false
    /// A flush is queued on the event loop (`scheduleFlush`).
    private var flushScheduled = false
    /// Shutdown asked this connection to finish: no new requests, close after the last response.
    private var quiescing = false

    init(processor: any RequestProcessor, connection: ConnectionInfo, logger: Logger) {
        self.processor = processor
        self.connection = connection
        var logger = logger
        logger[metadataKey: LogKey.connectionID] = "\(connection.id)"
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        executor = EventLoopTaskExecutor(context.eventLoop)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing, !quiescing else { return }
        let frame = unwrapInboundIn(data)
        let id = sequencer.nextRequest()
        let processor = self.processor
        let connection = self.connection
        let executor = self.executor ?? EventLoopTaskExecutor(context.eventLoop)
        // Pipelined produce requests of one connection reach the logs in the order they were sent (an
        // idempotent producer's sequence numbers depend on it), but only queueing the appends is
        // serialized: waiting for the writes and fdatasyncs overlaps, so they share group commits.
        var order: (previous: OneTimeGate?, queued: OneTimeGate)?
        if frame.getInteger(at: frame.readerIndex, as: Int16.self) == ApiKey.produce.rawValue {
            order = (previousProduceQueued, OneTimeGate())
            previousProduceQueued = order?.queued
        }
        // The task starts on this thread and resumes on the connection's event loop after a suspension,
        // so it completes the request in place: a request that never suspends (most of them) is
        // answered before channelRead returns, with no promise or executor hop. NIOLoopBound checks
        // that the handler and context are only touched on the loop.
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        Task.immediate(executorPreference: executor) { [order] in
            await order?.previous?.wait()
            defer { order?.queued.open() }
            do throws(UnreadableRequest) {
                let response = try await processor.process(
                    frame, connection: connection, appendsQueued: { order?.queued.open() })
                handler.value.complete(id, with: response, context: boundContext.value)
            } catch {
                handler.value.fail(id, error: error, context: boundContext.value)
            }
        }
    }

    private func complete(_ id: ResponseSequencer<ResponseFrame>.RequestID, with response: ResponseFrame?, context: ChannelHandlerContext) {
        release(sequencer.complete(id, with: response), context: context)
    }

    private func fail(_ id: ResponseSequencer<ResponseFrame>.RequestID, error: UnreadableRequest, context: ChannelHandlerContext) {
        close(context: context, reason: "\(error)")
        _ = sequencer.complete(id, with: nil)
    }

    private func release(_ responses: [ResponseFrame], context: ChannelHandlerContext) {
        guard !closing else {
            for response in responses { response.closeFiles() }
            return
        }
        for response in responses {
            for part in response.parts.dropLast() {
                context.write(wrapOutboundOut(part), promise: nil)
            }
            guard let last = response.parts.last else { continue }
            if response.closingAfterWrite.isEmpty {
                context.write(wrapOutboundOut(last), promise: nil)
            } else {
                let written = context.eventLoop.makePromise(of: Void.self)
                written.futureResult.whenComplete { _ in response.closeFiles() }
                context.write(wrapOutboundOut(last), promise: written)
            }
        }
        if quiescing, sequencer.inFlight == 0 {
            context.flush()
            closing = true
            context.close(promise: nil)
        } else if !responses.isEmpty {
            scheduleFlush(context: context)
        }
    }

    /// Responses released in one pass of the event loop leave in one flush, after the loop's other
    /// queued work: pipelined requests read together, or the appends one fdatasync made durable (a sync
    /// round completes a hundred acks=all requests at once), cost one write system call and one wake-up
    /// of the client instead of one each.
    private func scheduleFlush(context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            handler.value.flushScheduled = false
            boundContext.value.flush()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            quiescing = true
            release([], context: context)
            return
        }
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .all, sequencer.inFlight == 0 {
            logger.debug("closing idle connection")
            closing = true
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(context: context, reason: "\(error)")
    }

    private func close(context: ChannelHandlerContext, reason: String) {
        guard !closing else { return }
        closing = true
        logger.info("closing connection: \(reason)", metadata: [LogKey.remoteAddress: "\(connection.remoteAddress)"])
        context.close(promise: nil)
    }
}
