import NIOCore

/// Builds a complete record batch v2 (header, records, optional compression, CRC-32C), as a producer
/// or a transaction coordinator writes it.
///
/// Fields follow Kafka's names. `lastOffsetDelta` is the last record's `offsetDelta`, `maxTimestamp` the
/// largest record timestamp (or `logAppendTime` when set), and an empty batch gets timestamps -1.
public struct RecordBatchBuilder: Sendable {
    public var baseOffset: Int64
    public var partitionLeaderEpoch: Int32
    public var compression: CompressionCodec
    /// When set, the batch uses LogAppendTime and this is its `maxTimestamp`.
    public var logAppendTime: Int64?
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var isTransactional: Bool
    public var isControl: Bool
    public private(set) var baseTimestamp: Int64 = -1
    public private(set) var records: [Record] = []

    public init(
        baseOffset: Int64 = 0, partitionLeaderEpoch: Int32 = -1, compression: CompressionCodec = .none,
        logAppendTime: Int64? = nil, producerId: Int64 = -1, producerEpoch: Int16 = -1, baseSequence: Int32 = -1,
        isTransactional: Bool = false, isControl: Bool = false
    ) {
        self.baseOffset = baseOffset
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.compression = compression
        self.logAppendTime = logAppendTime
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.isTransactional = isTransactional
        self.isControl = isControl
    }

    /// Appends a record at the next offset delta with an absolute `timestamp`; the first record's
    /// timestamp becomes the batch's `baseTimestamp`.
    public mutating func append(key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = [], timestamp: Int64) {
        if records.isEmpty { baseTimestamp = timestamp }
        let offsetDelta = Int32(records.count)
        append(Record(offsetDelta: offsetDelta, timestampDelta: timestamp &- baseTimestamp, key: key, value: value, headers: headers),
               baseTimestamp: baseTimestamp)
    }

    /// Appends a record with explicit deltas (e.g. a compacted batch with gaps). `baseTimestamp` is taken
    /// from the first record appended and must match for the rest.
    public mutating func append(_ record: Record, baseTimestamp: Int64) {
        if records.isEmpty { self.baseTimestamp = baseTimestamp }
        precondition(baseTimestamp == self.baseTimestamp, "records of one batch share its baseTimestamp")
        precondition(records.last.map { record.offsetDelta > $0.offsetDelta } ?? (record.offsetDelta >= 0),
                     "offset deltas must increase")
        records.append(record)
    }

    /// The finished batch. Fails only when compression fails.
    public func build() throws(CompressionError) -> ByteBuffer {
        var payload = ByteBufferAllocator().buffer(capacity: records.reduce(0) { $0 + 5 + $1.bodySize })
        for record in records { record.write(into: &payload) }
        payload = try compression.compress(payload)

        var attributes = RecordBatchAttributes()
        attributes.compressionType = compression.rawValue
        if logAppendTime != nil { attributes.insert(.logAppendTime) }
        if isTransactional { attributes.insert(.transactional) }
        if isControl { attributes.insert(.control) }
        let maxTimestamp = logAppendTime
            ?? records.map { baseTimestamp &+ $0.timestampDelta }.max()
            ?? -1
        let header = RecordBatchHeader(
            baseOffset: baseOffset,
            batchLength: Int32(RecordBatchHeader.size - RecordBatchHeader.logOverhead + payload.readableBytes),
            partitionLeaderEpoch: partitionLeaderEpoch, attributes: attributes,
            lastOffsetDelta: records.last?.offsetDelta ?? 0, baseTimestamp: baseTimestamp, maxTimestamp: maxTimestamp,
            producerId: producerId, producerEpoch: producerEpoch, baseSequence: baseSequence,
            recordCount: Int32(records.count))

        var batch = ByteBufferAllocator().buffer(capacity: RecordBatchHeader.size + payload.readableBytes)
        batch.writeRepeatingByte(0, count: RecordBatchHeader.size)
        header.write(into: &batch, at: 0)
        batch.writeBuffer(&payload)
        RecordBatchHeader.sealCRC(in: &batch, at: 0)
        return batch
    }
}
