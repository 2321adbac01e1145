import NIOCore
import PetrelProtocol

/// A KRaft metadata log record this broker applies. Records of other types found in the log are kept
/// as `.other` and ignored by the image, so a newer log does not stop an older broker from starting.
///
/// Serialized as Kafka's `MetadataRecordSerde` does, into a record's value:
/// ```
/// unsigned varint  frame version (1)
/// unsigned varint  record type (the spec's apiKey)
/// unsigned varint  record version
/// ...              the record, flexible encoding
/// ```
public enum MetadataRecord: Hashable, Sendable {
    case topic(TopicRecord)
    case partition(PartitionRecord)
    case partitionChange(PartitionChangeRecord)
    case removeTopic(RemoveTopicRecord)
    case config(ConfigRecord)
    case producerIDs(ProducerIdsRecord)
    case other(type: Int16, version: Int16)

    static let frameVersion: UInt32 = 1

    /// The record itself and the version written: the newest each type defines.
    private var message: (any KafkaMetadataRecord, version: Int16)? {
        switch self {
        case .topic(let record): (record, TopicRecord.versions.upperBound)
        case .partition(let record): (record, PartitionRecord.versions.upperBound)
        case .partitionChange(let record): (record, PartitionChangeRecord.versions.upperBound)
        case .removeTopic(let record): (record, RemoveTopicRecord.versions.upperBound)
        case .config(let record): (record, ConfigRecord.versions.upperBound)
        case .producerIDs(let record): (record, ProducerIdsRecord.versions.upperBound)
        case .other: nil
        }
    }

    /// The record value bytes. `.other` records cannot be written (they are only read).
    public func encoded() throws(KafkaCodecError) -> ByteBuffer {
        guard let (record, version) = message else {
            preconditionFailure("only known metadata records are written")
        }
        var writer = KafkaWriter()
        writer.writeUnsignedVarint(Self.frameVersion)
        writer.writeUnsignedVarint(UInt32(type(of: record).recordType))
        writer.writeUnsignedVarint(UInt32(version))
        try record.encode(into: &writer, version: version)
        return writer.buffer
    }

    /// Decodes a record value; unknown types become `.other`.
    public init(decoding buffer: ByteBuffer) throws(KafkaCodecError) {
        var reader = KafkaReader(buffer: buffer)
        let frame = try reader.readUnsignedVarint("FrameVersion")
        guard frame == Self.frameVersion else {
            throw reader.error(.unsupportedVersion, "FrameVersion", detail: "metadata frame version \(frame)")
        }
        let type = try reader.readUnsignedVarint("RecordType")
        let version = try reader.readUnsignedVarint("RecordVersion")
        guard let type16 = Int16(exactly: type), let version16 = Int16(exactly: version) else {
            throw reader.error(.valueTooLarge, "RecordType")
        }
        switch type16 {
        case TopicRecord.recordType: self = .topic(try TopicRecord(from: &reader, version: version16))
        case PartitionRecord.recordType: self = .partition(try PartitionRecord(from: &reader, version: version16))
        case PartitionChangeRecord.recordType:
            self = .partitionChange(try PartitionChangeRecord(from: &reader, version: version16))
        case RemoveTopicRecord.recordType: self = .removeTopic(try RemoveTopicRecord(from: &reader, version: version16))
        case ConfigRecord.recordType: self = .config(try ConfigRecord(from: &reader, version: version16))
        case ProducerIdsRecord.recordType: self = .producerIDs(try ProducerIdsRecord(from: &reader, version: version16))
        default: self = .other(type: type16, version: version16)
        }
    }
}
