import NIOCore

/// Whole frames: size prefix, header and body, with the header version chosen by the API's rules
/// (`requestHeaderVersion(apiKey:apiVersion:)`, `responseHeaderVersion(apiKey:apiVersion:)`).
public enum KafkaFraming {
    /// Encodes a complete request frame (size prefix included).
    public static func encodeRequest<Request: KafkaRequest>(
        _ body: Request, version: Int16, correlationID: Int32, clientID: String?
    ) throws(KafkaCodecError) -> ByteBuffer {
        try encodeRequestSegments(body, version: version, correlationID: correlationID, clientID: clientID)[0]
    }

    /// Encodes a complete request frame (size prefix included) as buffers to write one after the other
    /// (one writev): `records` fields of at least `detachingRecordsOfAtLeast` bytes are not copied but
    /// follow as their own buffers. Without a threshold, one buffer.
    public static func encodeRequestSegments<Request: KafkaRequest>(
        _ body: Request, version: Int16, correlationID: Int32, clientID: String?,
        detachingRecordsOfAtLeast threshold: Int? = nil
    ) throws(KafkaCodecError) -> [ByteBuffer] {
        var header = RequestHeader()
        header.requestApiKey = Request.apiKey.rawValue
        header.requestApiVersion = version
        header.correlationID = correlationID
        header.clientID = clientID
        let headerVersion = requestHeaderVersion(apiKey: Request.apiKey, apiVersion: version) ?? 1
        var writer = KafkaWriter()
        writer.detachRecordsOfAtLeast = threshold
        writer.writeInt32(0)  // size, patched by `segments`
        try header.encode(into: &writer, version: headerVersion)
        try body.encode(into: &writer, version: version)
        return try segments(of: &writer)
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
        writer.writeInt32(0)  // size, patched by `segments`
        try body(&writer)
        return try segments(of: &writer)[0]
    }

    /// Patches the size prefix `writer` starts with, then cuts its buffer where records were detached,
    /// each piece followed by those records: the frame as buffers to write in order (one buffer when
    /// nothing was detached).
    private static func segments(of writer: inout KafkaWriter) throws(KafkaCodecError) -> [ByteBuffer] {
        let size = writer.buffer.readableBytes - 4 + writer.detachedRecords.reduce(0) { $0 + $1.records.readableBytes }
        guard size <= Int(Int32.max) else {
            throw KafkaCodecError(.valueTooLarge, field: "Size", detail: "frame of \(size) bytes")
        }
        writer.buffer.setInteger(Int32(size), at: writer.buffer.readerIndex)
        guard !writer.detachedRecords.isEmpty else { return [writer.buffer] }
        var segments: [ByteBuffer] = []
        var start = writer.buffer.readerIndex
        for detached in writer.detachedRecords {
            if detached.writerIndex > start {
                segments.append(writer.buffer.getSlice(at: start, length: detached.writerIndex - start) ?? ByteBuffer())
            }
            segments.append(detached.records)
            start = detached.writerIndex
        }
        if writer.buffer.writerIndex > start {
            segments.append(writer.buffer.getSlice(at: start, length: writer.buffer.writerIndex - start) ?? ByteBuffer())
        }
        return segments
    }
}
