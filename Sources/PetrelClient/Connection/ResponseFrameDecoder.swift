import NIOCore
import PetrelProtocol

/// Splits a broker's byte stream into response frames (a 4-byte size, then the frame), emitting each
/// frame's body, and copies each byte at most once: a frame that arrives whole within one read is
/// passed on as a slice of that read, and a frame split across reads is assembled in a buffer
/// allocated once at its full size. (NIO's `ByteToMessageHandler` cumulates reads into a growing
/// buffer and moves leftovers to its front, which copied 1 MiB fetch responses two to three times.)
///
/// A size above `maxFrameSize` or below zero is a `KafkaFrameError`, checked before anything is
/// allocated for the frame; the channel is closed.
final class ResponseFrameDecoder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// What the previous reads left unfinished.
    private enum Partial {
        /// Fewer than 4 bytes of a size prefix.
        case prefix(ByteBuffer)
        /// A frame body of `size` bytes, partly received.
        case frame(ByteBuffer, size: Int)
    }

    private let maxFrameSize: Int
    private var partial: Partial?
    private var failed = false

    init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var input = unwrapInboundIn(data)
        do {
            while let frame = try nextFrame(from: &input, allocator: context.channel.allocator) {
                context.fireChannelRead(wrapInboundOut(frame))
            }
        } catch {
            failed = true
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    /// The next complete frame body, taking what it needs from `input`; nil once `input` is used up
    /// (what is left of an unfinished frame is kept for the next read).
    func nextFrame(from input: inout ByteBuffer, allocator: ByteBufferAllocator) throws(KafkaFrameError) -> ByteBuffer? {
        switch partial.take() {
        case .frame(var frame, let size):
            let wanted = min(size - frame.readableBytes, input.readableBytes)
            frame.writeImmutableBuffer(input.readSlice(length: wanted) ?? ByteBuffer())
            if frame.readableBytes == size { return frame }
            partial = .frame(frame, size: size)
            return nil
        case .prefix(var prefix):
            let wanted = min(4 - prefix.readableBytes, input.readableBytes)
            prefix.writeImmutableBuffer(input.readSlice(length: wanted) ?? ByteBuffer())
            guard let size = prefix.getInteger(at: prefix.readerIndex, as: Int32.self) else {
                partial = .prefix(prefix)
                return nil
            }
            return try body(ofSize: checked(size), from: &input, allocator: allocator)
        case nil:
            guard let size = input.getInteger(at: input.readerIndex, as: Int32.self) else {
                if input.readableBytes > 0 {
                    var prefix = allocator.buffer(capacity: 4)
                    prefix.writeBuffer(&input)
                    partial = .prefix(prefix)
                }
                return nil
            }
            let checkedSize = try checked(size)
            input.moveReaderIndex(forwardBy: 4)
            return try body(ofSize: checkedSize, from: &input, allocator: allocator)
        }
    }

    /// A frame body of `size` bytes from `input` (its size prefix already taken): a slice when all of it
    /// is there, else the start of a buffer of exactly `size` bytes kept in `partial`.
    private func body(ofSize size: Int, from input: inout ByteBuffer, allocator: ByteBufferAllocator) throws(KafkaFrameError)
        -> ByteBuffer?
    {
        if let whole = input.readSlice(length: size) { return whole }
        var frame = allocator.buffer(capacity: size)
        frame.writeBuffer(&input)
        partial = .frame(frame, size: size)
        return nil
    }

    private func checked(_ size: Int32) throws(KafkaFrameError) -> Int {
        guard size >= 0 else { throw KafkaFrameError(.negativeSize, size: size, limit: maxFrameSize) }
        guard Int(size) <= maxFrameSize else { throw KafkaFrameError(.frameTooLarge, size: size, limit: maxFrameSize) }
        return Int(size)
    }
}
