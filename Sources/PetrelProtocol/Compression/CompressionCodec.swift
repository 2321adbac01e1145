import NIOCore

/// Kafka's record batch compression types, numbered as in the batch `attributes` bits 0-2.
public enum CompressionCodec: Int16, CaseIterable, Hashable, Sendable {
    case none = 0
    case gzip = 1
    case snappy = 2
    case lz4 = 3
    case zstd = 4

    /// Compresses a whole payload (a batch's records) with the codec's default level, in the format
    /// Kafka's clients write. `.none` returns the input unchanged.
    public func compress(_ input: ByteBuffer) throws(CompressionError) -> ByteBuffer {
        switch self {
        case .none: input
        case .gzip: try GzipCodec.compress(input)
        case .snappy: try SnappyCodec.compress(input)
        case .lz4: try LZ4Codec.compress(input)
        case .zstd: try ZstdCodec.compress(input)
        }
    }

    /// Decompresses `input`, failing with `.outputBoundExceeded` rather than producing (or allocating for)
    /// more than `maxOutputBytes`. The decompressed size need not be known in advance.
    public func decompress(_ input: ByteBuffer, maxOutputBytes: Int) throws(CompressionError) -> ByteBuffer {
        if self == .none {
            try Self.checkUncompressed(input, maxOutputBytes: maxOutputBytes)
            return input
        }
        var output = ByteBuffer()
        try decompress(input, appendingTo: &output, maxOutputBytes: maxOutputBytes)
        return output
    }

    /// Appends the decompression of `input` (at most `maxOutputBytes`) to `output`; on failure `output` is
    /// left as it was. Decompressing batch after batch into one cleared buffer reuses its memory.
    public func decompress(_ input: ByteBuffer, appendingTo output: inout ByteBuffer, maxOutputBytes: Int) throws(CompressionError) {
        guard self != .none else {
            try Self.checkUncompressed(input, maxOutputBytes: maxOutputBytes)
            output.writeImmutableBuffer(input)
            return
        }
        // CSystemShims numbers its codecs as Kafka's attributes bits do.
        try CodecShim.decompress(input, shimID: CInt(rawValue), appendingTo: &output, maxOutputBytes: maxOutputBytes, codec: self)
    }

    private static func checkUncompressed(_ input: ByteBuffer, maxOutputBytes: Int) throws(CompressionError) {
        guard input.readableBytes <= maxOutputBytes else {
            throw CompressionError(.outputBoundExceeded, codec: .none, "\(input.readableBytes) bytes > \(maxOutputBytes)")
        }
    }
}

/// Why compressing or decompressing failed. Bad input is `.corrupt` or `.outputBoundExceeded` (Kafka's
/// CORRUPT_MESSAGE); the other codes are resource or programming problems.
public struct CompressionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An open set of codes: a struct, so adding one breaks no caller's `switch`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case corrupt, outputBoundExceeded, outOfMemory, libraryFailure, inputTooLarge, invalidLevel
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Malformed or truncated compressed data.
        public static let corrupt = Code(.corrupt)
        /// The data decompresses to more than the caller's bound (possibly a zip bomb).
        public static let outputBoundExceeded = Code(.outputBoundExceeded)
        /// The codec library could not allocate its working state.
        public static let outOfMemory = Code(.outOfMemory)
        /// The codec library failed on valid input.
        public static let libraryFailure = Code(.libraryFailure)
        /// The input is too large for the codec to compress.
        public static let inputTooLarge = Code(.inputTooLarge)
        /// A compression level outside the codec's range.
        public static let invalidLevel = Code(.invalidLevel)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var codec: CompressionCodec
    public var detail: String

    public init(_ code: Code, codec: CompressionCodec, _ detail: String) {
        self.code = code
        self.codec = codec
        self.detail = detail
    }

    public var description: String { "\(codec) \(code): \(detail)" }
}
