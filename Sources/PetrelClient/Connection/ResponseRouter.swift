import NIOCore

/// One request on its way out: the complete frame (size prefix included) as buffers written in order
/// (a Produce request's batches are not copied into its frame) and, unless the request expects no
/// response (Produce with acks=0), the promise its response frame completes.
struct OutboundRequest {
    var frame: [ByteBuffer]
    var correlationID: Int32
    var response: EventLoopPromise<ByteBuffer>?
    var timeout: TimeAmount
}

/// Matches response frames to requests by correlation id, so many requests can be in flight on one
/// connection (Kafka brokers answer each connection's requests in order, but matching by id also
/// catches a confused peer). Runs on the channel's event loop: no locks.
///
/// A request not answered within its timeout fails with `requestTimedOut`; closing the channel fails
/// everything outstanding with `connectionFailed`.
final class ResponseRouter: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutboundRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<ByteBuffer>
        var timeout: Scheduled<Void>
    }

    private var pending: [Int32: Pending] = [:]
    private let peer: String

    init(peer: String) {
        self.peer = peer
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let response = request.response {
            let id = request.correlationID
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let peer = peer
            let timeout = context.eventLoop.scheduleTask(in: request.timeout) {
                guard let entry = loopBound.value.pending.removeValue(forKey: id) else { return }
                entry.promise.fail(KafkaClientError.requestTimedOut("correlation id \(id) to \(peer)"))
            }
            pending[id] = Pending(promise: response, timeout: timeout)
        }
        for segment in request.frame.dropLast() {
            context.write(wrapOutboundOut(segment), promise: nil)
        }
        context.write(wrapOutboundOut(request.frame.last ?? ByteBuffer()), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let id = frame.getInteger(at: frame.readerIndex, as: Int32.self) else {
            context.fireErrorCaught(KafkaClientError.protocolError("response frame shorter than a correlation id from \(peer)"))
            context.close(promise: nil)
            return
        }
        guard let entry = pending.removeValue(forKey: id) else {
            context.fireErrorCaught(KafkaClientError.protocolError("unexpected correlation id \(id) from \(peer)"))
            context.close(promise: nil)
            return
        }
        entry.timeout.cancel()
        entry.promise.succeed(frame)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(KafkaClientError.connectionFailed("\(peer): \(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(KafkaClientError.connectionFailed("\(peer) closed the connection"))
        context.fireChannelInactive()
    }

    private func failAll(_ error: KafkaClientError) {
        let outstanding = pending
        pending = [:]
        for entry in outstanding.values {
            entry.timeout.cancel()
            entry.promise.fail(error)
        }
    }
}
