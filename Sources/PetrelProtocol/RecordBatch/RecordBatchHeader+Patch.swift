import NIOCore

/// In-place edits a broker makes to a produced batch before appending it, on the batch at `index` of
/// `buffer`. `baseOffset` and `partitionLeaderEpoch` lie before the CRC'd range, so patching them keeps
/// the CRC valid; LogAppendTime changes CRC'd fields and reseals the CRC.
extension RecordBatchHeader {
    public static func setBaseOffset(_ baseOffset: Int64, in buffer: inout ByteBuffer, at index: Int) {
        buffer.setInteger(baseOffset, at: index + Field.baseOffset)
    }

    public static func setPartitionLeaderEpoch(_ epoch: Int32, in buffer: inout ByteBuffer, at index: Int) {
        buffer.setInteger(epoch, at: index + Field.partitionLeaderEpoch)
    }

    /// Switches the batch to LogAppendTime with `timestamp` as its `maxTimestamp` (what consumers then see
    /// for every record), as a topic with `message.timestamp.type=LogAppendTime` does, and reseals the CRC.
    /// The batch must be whole (its header already validated).
    public static func setLogAppendTime(_ timestamp: Int64, in buffer: inout ByteBuffer, at index: Int) {
        guard var attributes = buffer.getInteger(at: index + Field.attributes, as: Int16.self).map(RecordBatchAttributes.init) else {
            preconditionFailure("no batch header at \(index)")
        }
        attributes.insert(.logAppendTime)
        buffer.setInteger(attributes.rawValue, at: index + Field.attributes)
        buffer.setInteger(timestamp, at: index + Field.maxTimestamp)
        sealCRC(in: &buffer, at: index)
    }
}
