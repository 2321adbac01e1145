import NIOCore

/// The type of a control record (the only record of a control batch), as written in its key:
/// `version int16 (0), type int16`. Transaction markers are the two types clients know.
public enum ControlRecordType: Int16, Hashable, Sendable {
    case abort = 0
    case commit = 1

    static let currentVersion: Int16 = 0

    /// The 4-byte control record key.
    public var key: ByteBuffer {
        var key = ByteBuffer()
        key.writeInteger(Self.currentVersion)
        key.writeInteger(rawValue)
        return key
    }

    /// Parses a control record key. Kafka reads version 0 and tolerates trailing bytes from newer versions.
    public init(parsingKey key: ByteBuffer) throws(RecordBatchError) {
        guard let version = key.getInteger(at: key.readerIndex, as: Int16.self),
              let type = key.getInteger(at: key.readerIndex + 2, as: Int16.self)
        else { throw RecordBatchError(.invalidRecords, "control record key of \(key.readableBytes) bytes") }
        guard version >= 0 else { throw RecordBatchError(.invalidRecords, "control record key version \(version)") }
        guard let known = Self(rawValue: type) else { throw RecordBatchError(.invalidRecords, "unknown control record type \(type)") }
        self = known
    }
}

/// The value of a transaction marker control record: `version int16 (0), coordinatorEpoch int32`.
public struct EndTransactionMarker: Hashable, Sendable {
    public var type: ControlRecordType
    public var coordinatorEpoch: Int32

    public init(type: ControlRecordType, coordinatorEpoch: Int32) {
        self.type = type
        self.coordinatorEpoch = coordinatorEpoch
    }

    /// The 6-byte control record value.
    public var value: ByteBuffer {
        var value = ByteBuffer()
        value.writeInteger(ControlRecordType.currentVersion)
        value.writeInteger(coordinatorEpoch)
        return value
    }

    /// Parses a marker from a control record's key and value.
    public init(parsing record: Record) throws(RecordBatchError) {
        guard let key = record.key, let value = record.value else {
            throw RecordBatchError(.invalidRecords, "control record without key or value")
        }
        let type = try ControlRecordType(parsingKey: key)
        guard let version = value.getInteger(at: value.readerIndex, as: Int16.self),
              let epoch = value.getInteger(at: value.readerIndex + 2, as: Int32.self)
        else { throw RecordBatchError(.invalidRecords, "end transaction marker of \(value.readableBytes) bytes") }
        guard version >= 0 else { throw RecordBatchError(.invalidRecords, "end transaction marker version \(version)") }
        self.init(type: type, coordinatorEpoch: epoch)
    }

    /// The marker as its own control batch (transactional + control, one record), as a transaction
    /// coordinator writes it to each partition of the transaction.
    public func batch(
        producerId: Int64, producerEpoch: Int16, timestamp: Int64, baseOffset: Int64 = 0, partitionLeaderEpoch: Int32 = -1
    ) -> ByteBuffer {
        var builder = RecordBatchBuilder(
            baseOffset: baseOffset, partitionLeaderEpoch: partitionLeaderEpoch, producerId: producerId,
            producerEpoch: producerEpoch, isTransactional: true, isControl: true)
        builder.append(Record(offsetDelta: 0, timestampDelta: 0, key: type.key, value: value), baseTimestamp: timestamp)
        do {
            return try builder.build()
        } catch {
            preconditionFailure("an uncompressed batch cannot fail to build: \(error)")
        }
    }
}
