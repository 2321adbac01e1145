import NIOCore
import PetrelProtocol

/// Turns one partition's fetched `records` bytes into consumer records, from `position` on.
///
/// Pure: given the bytes, the position and (under read_committed) the aborted transactions the broker
/// listed, it returns the records to deliver and the next position. Batches wholly before `position`
/// are skipped (a fetch returns whole batches, so a compressed batch may start earlier); control
/// batches and, under read_committed, batches of aborted transactions are skipped but still advance
/// the position. A truncated batch at the end (the broker cut at `max.partition.fetch.bytes`) ends the
/// parse without error; the next fetch starts there.
struct FetchedBatches {
    struct AbortedTransaction: Hashable, Sendable {
        var producerID: Int64
        var firstOffset: Int64
    }

    var records: [ConsumerRecord] = []
    var nextPosition: Int64

    init(
        topic: String, partition: Int32, records buffer: ByteBuffer, position: Int64, readCommitted: Bool,
        abortedTransactions: [AbortedTransaction], checkCRCs: Bool, maxDecompressedBytes: Int
    ) throws(KafkaClientError) {
        nextPosition = position
        var aborted = abortedTransactions.sorted { $0.firstOffset < $1.firstOffset }[...]
        var abortedProducers: Set<Int64> = []
        var index = buffer.readerIndex
        while buffer.writerIndex - index >= RecordBatchHeader.size {
            let header: RecordBatchHeader
            do {
                header = try RecordBatchHeader(parsing: buffer, at: index)
            } catch {
                throw .protocolError("\(topic)-\(partition) batch at offset \(nextPosition): \(error)")
            }
            guard buffer.writerIndex - index >= header.totalSize else { break }  // truncated tail
            guard let slice = buffer.getSlice(at: index, length: header.totalSize) else { break }
            index += header.totalSize
            if checkCRCs {
                do {
                    try header.verifyChecksum(in: slice, at: slice.readerIndex)
                } catch {
                    throw .broker(.corruptMessage, "\(topic)-\(partition) batch \(header.baseOffset): \(error)")
                }
            }
            if header.lastOffset < nextPosition { continue }
            if readCommitted {
                while let first = aborted.first, first.firstOffset <= header.lastOffset {
                    abortedProducers.insert(first.producerID)
                    aborted = aborted.dropFirst()
                }
            }
            if header.attributes.contains(.control) {
                if readCommitted, abortedProducers.contains(header.producerId),
                    try Self.isAbortMarker(slice, topic: topic, partition: partition)
                {
                    abortedProducers.remove(header.producerId)
                }
                nextPosition = header.nextOffset
                continue
            }
            if readCommitted && header.attributes.contains(.transactional) && abortedProducers.contains(header.producerId) {
                nextPosition = header.nextOffset
                continue
            }
            let isLogAppendTime = header.attributes.contains(.logAppendTime)
            do {
                var iterator = try RecordBatch(slice).records(maxDecompressedBytes: maxDecompressedBytes)
                while let record = try iterator.next() {
                    let offset = header.baseOffset + Int64(record.offsetDelta)
                    guard offset >= nextPosition else { continue }
                    records.append(
                        ConsumerRecord(
                            topic: topic, partition: partition, offset: offset,
                            timestamp: isLogAppendTime ? header.maxTimestamp : header.baseTimestamp + record.timestampDelta,
                            isLogAppendTime: isLogAppendTime, keyBuffer: record.key, valueBuffer: record.value, headers: record.headers,
                            leaderEpoch: header.partitionLeaderEpoch))
                }
            } catch {
                throw .broker(.corruptMessage, "\(topic)-\(partition) batch \(header.baseOffset): \(error)")
            }
            nextPosition = header.nextOffset
        }
    }

    /// Whether the control batch holds an ABORT marker (control record key: version int16, type int16 = 0).
    private static func isAbortMarker(_ slice: ByteBuffer, topic: String, partition: Int32) throws(KafkaClientError) -> Bool {
        do {
            var iterator = try RecordBatch(slice).records(maxDecompressedBytes: 1 << 20)
            guard let record = try iterator.next(), let key = record.key else { return false }
            return try ControlRecordType(parsingKey: key) == .abort
        } catch {
            throw .broker(.corruptMessage, "\(topic)-\(partition) control batch: \(error)")
        }
    }
}
