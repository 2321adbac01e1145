import NIOCore

/// Splits a byte stream into Kafka frames: a 4-byte big-endian size, then that many bytes.
///
/// The size is checked the moment its 4 bytes arrive, before any of the frame is buffered: a size
/// above `maxFrameSize` (Kafka's `socket.request.max.bytes`, default 100 MiB) or below zero throws
/// `KafkaFrameError`, and the channel should be closed (Kafka does the same). Emits each frame's
/// body (without the size prefix) as a slice of the inbound buffer.
public struct KafkaFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// Kafka's default `socket.request.max.bytes`.
    public static let defaultMaxFrameSize = 104_857_600

    public let maxFrameSize: Int

    public init(maxFrameSize: Int = KafkaFrameDecoder.defaultMaxFrameSize) {
        self.maxFrameSize = maxFrameSize
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return nil }
        guard size >= 0 else { throw KafkaFrameError(.negativeSize, size: size, limit: maxFrameSize) }
        guard Int(size) <= maxFrameSize else { throw KafkaFrameError(.frameTooLarge, size: size, limit: maxFrameSize) }
        guard buffer.readableBytes >= 4 + Int(size) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(size))
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decode(buffer: &buffer)
    }
}

/// A frame's size prefix is unacceptable; the connection cannot continue.
public struct KafkaFrameError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable { case frameTooLarge, negativeSize }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The size exceeds `socket.request.max.bytes`.
        public static let frameTooLarge = Code(.frameTooLarge)
        /// The size is negative.
        public static let negativeSize = Code(.negativeSize)

        public var description: String {
            switch base {
            case .frameTooLarge: "frame too large"
            case .negativeSize: "negative frame size"
            }
        }
    }

    public var code: Code
    /// The size prefix as received.
    public var size: Int32
    /// The configured maximum frame size.
    public var limit: Int

    public init(_ code: Code, size: Int32, limit: Int) {
        self.code = code
        self.size = size
        self.limit = limit
    }

    public var description: String {
        "KafkaFrameError(\(code): size \(size), socket.request.max.bytes \(limit))"
    }
}
