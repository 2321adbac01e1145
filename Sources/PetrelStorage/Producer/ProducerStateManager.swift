import NIOCore
import PetrelProtocol

/// What the idempotence check says about an incoming batch of an idempotent producer.
public enum ProducerCheck: Hashable, Sendable {
    /// In sequence: append it.
    case append
    /// Same producer, epoch and sequence range as a batch already in the log: answer with its offsets.
    case duplicate(firstOffset: Int64, lastOffset: Int64)
    /// OUT_OF_ORDER_SEQUENCE_NUMBER.
    case outOfOrderSequence(String)
    /// INVALID_PRODUCER_EPOCH.
    case invalidProducerEpoch(String)
}

/// Idempotent-producer state of one partition: producer id -> epoch and the sequence ranges of its last
/// five batches (what a producer may have in flight, `max.in.flight.requests.per.connection` <= 5).
///
/// Rebuilt on load from the newest snapshot at or below the log end offset plus a header replay of the
/// batches after it. Snapshot file `<offset 20 digits>.snapshot`, Kafka's v1 layout (big-endian):
/// ```
/// version int16 (1) | crc uint32 (CRC-32C of the rest) | count int32 |
/// count x { producerId int64 | producerEpoch int16 | lastSequence int32 | lastOffset int64 |
///           offsetDelta int32 | timestamp int64 | coordinatorEpoch int32 | currentTxnFirstOffset int64 }
/// ```
/// What a partition knows of one idempotent producer: its epoch and its last written batch.
public struct ActiveProducer: Hashable, Sendable {
    public var producerId: Int64
    public var producerEpoch: Int16
    public var lastSequence: Int32
    /// Max timestamp of the producer's last batch.
    public var lastTimestamp: Int64
}

struct ProducerStateManager {
    struct BatchMetadata: Hashable {
        var firstSequence: Int32
        var lastSequence: Int32
        var firstOffset: Int64
        var lastOffset: Int64
        var timestamp: Int64
    }

    struct Entry: Hashable {
        var producerEpoch: Int16
        var batches: [BatchMetadata]
        var lastSequence: Int32 { batches.last?.lastSequence ?? -1 }
    }

    static let cachedBatches = 5
    private(set) var producers: [Int64: Entry] = [:]

    /// The idempotence rules of Kafka's ProducerStateManager for a leader append.
    func check(_ header: RecordBatchHeader) -> ProducerCheck {
        guard header.isIdempotent, let entry = producers[header.producerId] else { return .append }
        if header.producerEpoch < entry.producerEpoch {
            return .invalidProducerEpoch(
                "producer \(header.producerId) epoch \(header.producerEpoch) is older than \(entry.producerEpoch)")
        }
        if header.producerEpoch != entry.producerEpoch {
            return header.baseSequence == 0
                ? .append
                : .outOfOrderSequence("new epoch \(header.producerEpoch) must start at sequence 0, got \(header.baseSequence)")
        }
        if let duplicate = entry.batches.first(where: {
            $0.firstSequence == header.baseSequence && $0.lastSequence == header.lastSequence
        }) {
            return .duplicate(firstOffset: duplicate.firstOffset, lastOffset: duplicate.lastOffset)
        }
        let expected = entry.lastSequence == Int32.max ? 0 : entry.lastSequence + 1
        guard header.baseSequence == expected else {
            return .outOfOrderSequence(
                "producer \(header.producerId) expected sequence \(expected), got \(header.baseSequence)")
        }
        return .append
    }

    /// Records an appended batch (offsets already assigned).
    mutating func update(_ header: RecordBatchHeader) {
        guard header.isIdempotent else { return }
        let batch = BatchMetadata(
            firstSequence: header.baseSequence, lastSequence: header.lastSequence, firstOffset: header.baseOffset,
            lastOffset: header.lastOffset, timestamp: header.maxTimestamp)
        if var entry = producers[header.producerId], entry.producerEpoch == header.producerEpoch {
            entry.batches.append(batch)
            if entry.batches.count > Self.cachedBatches { entry.batches.removeFirst() }
            producers[header.producerId] = entry
        } else {
            producers[header.producerId] = Entry(producerEpoch: header.producerEpoch, batches: [batch])
        }
    }

    func entry(_ producerId: Int64) -> Entry? { producers[producerId] }

    // MARK: snapshots

    static func snapshotName(_ offset: Int64) -> String { LogSegment.fileName(offset, ".snapshot") }

    func snapshotBytes() -> [UInt8] {
        var body = ByteBuffer()
        body.writeInteger(Int32(producers.count))
        for (producerId, entry) in producers.sorted(by: { $0.key < $1.key }) {
            guard let last = entry.batches.last else { continue }
            body.writeInteger(producerId)
            body.writeInteger(entry.producerEpoch)
            body.writeInteger(last.lastSequence)
            body.writeInteger(last.lastOffset)
            body.writeInteger(Int32(truncatingIfNeeded: last.lastOffset - last.firstOffset))
            body.writeInteger(last.timestamp)
            body.writeInteger(Int32(-1))
            body.writeInteger(Int64(-1))
        }
        var file = ByteBuffer()
        file.writeInteger(Int16(1))
        file.writeInteger(CRC32C.checksum(body, range: body.readerIndex..<body.writerIndex))
        file.writeBuffer(&body)
        return Array(file.readableBytesView)
    }

    /// Parses a snapshot; nil when it is torn, of another version or fails its CRC.
    static func load(snapshot bytes: [UInt8]) -> ProducerStateManager? {
        var buffer = ByteBuffer(bytes: bytes)
        guard let version = buffer.readInteger(as: Int16.self), version == 1,
            let crc = buffer.readInteger(as: UInt32.self),
            CRC32C.checksum(buffer, range: buffer.readerIndex..<buffer.writerIndex) == crc,
            let count = buffer.readInteger(as: Int32.self), count >= 0, Int(count) * 50 <= buffer.readableBytes
        else { return nil }
        var state = ProducerStateManager()
        for _ in 0..<count {
            guard let producerId = buffer.readInteger(as: Int64.self), let epoch = buffer.readInteger(as: Int16.self),
                let lastSequence = buffer.readInteger(as: Int32.self), let lastOffset = buffer.readInteger(as: Int64.self),
                let offsetDelta = buffer.readInteger(as: Int32.self), let timestamp = buffer.readInteger(as: Int64.self),
                buffer.readInteger(as: Int32.self) != nil, buffer.readInteger(as: Int64.self) != nil
            else { return nil }
            let firstSequence = Int32(truncatingIfNeeded: (Int64(lastSequence) - Int64(offsetDelta) + (Int64(Int32.max) + 1)) % (Int64(Int32.max) + 1))
            state.producers[producerId] = Entry(producerEpoch: epoch, batches: [
                BatchMetadata(
                    firstSequence: firstSequence, lastSequence: lastSequence, firstOffset: lastOffset - Int64(offsetDelta),
                    lastOffset: lastOffset, timestamp: timestamp)
            ])
        }
        return state
    }
}
