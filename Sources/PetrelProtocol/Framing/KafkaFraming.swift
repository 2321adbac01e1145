import NIOCore

/// Whole frames: size prefix, header and body, with the header version chosen by the API's rules
/// (`requestHeaderVersion(apiKey:apiVersion:)`, `responseHeaderVersion(apiKey:apiVersion:)`).
public enum KafkaFraming {
    /// Encodes a complete request frame (size prefix included).
    public static func encodeRequest<Request: KafkaRequest>(
        _ body: Request, version: Int16, correlationID: Int32, clientID: String?
    ) throws(KafkaCodecError) -> ByteBuffer {
        var header = RequestHeader()
        header.requestApiKey = Request.apiKey.rawValue
        header.requestApiVersion = version
        header.correlationID = correlationID
        header.clientID = clientID
        let headerVersion = requestHeaderVersion(apiKey: Request.apiKey, apiVersion: version) ?? 1
        return try frame { (writer: inout KafkaWriter) throws(KafkaCodecError) in
            try header.encode(into: &writer, version: headerVersion)
            try body.encode(into: &writer, version: version)
        }
    }

    /// Encodes a complete response frame (size prefix included) answering a request of `version`.
    public static func encodeResponse<Response: KafkaResponse>(
        _ body: Response, version: Int16, correlationID: Int32
    ) throws(KafkaCodecError) -> ByteBuffer {
        var header = ResponseHeader()
        header.correlationID = correlationID
        let headerVersion = responseHeaderVersion(apiKey: Response.apiKey, apiVersion: version) ?? 0
        return try frame { (writer: inout KafkaWriter) throws(KafkaCodecError) in
            try header.encode(into: &writer, version: headerVersion)
            try body.encode(into: &writer, version: version)
        }
    }

    /// Reads a request header from a frame body (as emitted by `KafkaFrameDecoder`): the api key
    /// and version come first in every header version, and they decide the header's version.
    public static func readRequestHeader(from reader: inout KafkaReader) throws(KafkaCodecError) -> RequestHeader {
        var peek = reader
        let apiKey = try peek.readInt16("RequestApiKey")
        let apiVersion = try peek.readInt16("RequestApiVersion")
        guard let headerVersion = requestHeaderVersion(apiKey: ApiKey(apiKey), apiVersion: apiVersion) else {
            throw KafkaCodecError(.unknownApiKey, field: "RequestApiKey", offset: reader.offset, apiKey: apiKey, version: apiVersion)
        }
        return try RequestHeader(from: &reader, version: headerVersion)
    }

    /// Reads a response header for a request of `apiKey` at `apiVersion` (responses do not name their API).
    public static func readResponseHeader(
        from reader: inout KafkaReader, apiKey: ApiKey, apiVersion: Int16
    ) throws(KafkaCodecError) -> ResponseHeader {
        guard let headerVersion = responseHeaderVersion(apiKey: apiKey, apiVersion: apiVersion) else {
            throw KafkaCodecError(.unknownApiKey, offset: reader.offset, apiKey: apiKey.rawValue, version: apiVersion)
        }
        return try ResponseHeader(from: &reader, version: headerVersion)
    }

    private static func frame(_ body: (inout KafkaWriter) throws(KafkaCodecError) -> Void) throws(KafkaCodecError) -> ByteBuffer {
        var writer = KafkaWriter()
        writer.writeInt32(0)  // size, patched below
        try body(&writer)
        let size = writer.buffer.readableBytes - 4
        guard size <= Int(Int32.max) else {
            throw KafkaCodecError(.valueTooLarge, field: "Size", detail: "frame of \(size) bytes")
        }
        writer.buffer.setInteger(Int32(size), at: writer.buffer.readerIndex)
        return writer.buffer
    }
}
