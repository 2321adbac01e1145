import NIOCore

extension ApiVersionsResponse {
    /// Decodes an ApiVersions response the way Kafka's clients do: at the requested `version`,
    /// and if that fails, as v0. A broker that does not support the version a client asked for
    /// answers with a v0 body carrying UNSUPPORTED_VERSION and its own supported range (KIP-511),
    /// so the client must be able to read it whatever version it sent.
    public init(decodingWithFallback buffer: ByteBuffer, version: Int16) throws(KafkaCodecError) {
        do {
            var reader = KafkaReader(buffer: buffer)
            try self.init(from: &reader, version: version)
        } catch where version != 0 {
            var reader = KafkaReader(buffer: buffer)
            try self.init(from: &reader, version: 0)
        }
    }
}
