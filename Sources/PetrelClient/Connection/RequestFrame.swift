import NIOCore
import PetrelProtocol

/// A request frame as buffers to write one after the other (one writev when flushed together): the
/// encoded size prefix, header and body, with `records` fields of at least `detachingRecordsOfAtLeast`
/// bytes not copied in but following as their own buffers. A producer's batches (up to `batch.size`)
/// thus go out from the buffers they were encoded into. The bytes are those of
/// `KafkaFraming.encodeRequest`.
enum RequestFrame {
    static func segments<Request: KafkaRequest>(
        _ body: Request, version: Int16, correlationID: Int32, clientID: String?, detachingRecordsOfAtLeast threshold: Int
    ) throws(KafkaCodecError) -> [ByteBuffer] {
        var header = RequestHeader()
        header.requestApiKey = Request.apiKey.rawValue
        header.requestApiVersion = version
        header.correlationID = correlationID
        header.clientID = clientID
        var writer = KafkaWriter()
        writer.detachRecordsOfAtLeast = threshold
        writer.writeInt32(0)  // size, patched below
        try header.encode(into: &writer, version: requestHeaderVersion(apiKey: Request.apiKey, apiVersion: version) ?? 1)
        try body.encode(into: &writer, version: version)
        let size = writer.buffer.readableBytes - 4 + writer.detachedRecords.reduce(0) { $0 + $1.records.readableBytes }
        guard size <= Int(Int32.max) else {
            throw KafkaCodecError(.valueTooLarge, field: "Size", detail: "frame of \(size) bytes")
        }
        writer.buffer.setInteger(Int32(size), at: writer.buffer.readerIndex)
        var segments: [ByteBuffer] = []
        var start = writer.buffer.readerIndex
        for detached in writer.detachedRecords {
            if detached.writerIndex > start {
                segments.append(writer.buffer.getSlice(at: start, length: detached.writerIndex - start) ?? ByteBuffer())
            }
            segments.append(detached.records)
            start = detached.writerIndex
        }
        if writer.buffer.writerIndex > start || segments.isEmpty {
            segments.append(writer.buffer.getSlice(at: start, length: writer.buffer.writerIndex - start) ?? ByteBuffer())
        }
        return segments
    }
}
