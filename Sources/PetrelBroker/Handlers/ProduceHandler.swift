import NIOCore
import PetrelProtocol
import PetrelStorage

/// Produce (key 0), v3-11: per partition, validates every record batch (size against
/// `max.message.bytes`, header sanity, CRC-32C) and queues the append (offsets patched in place by
/// storage, which also runs the idempotent-producer checks). Every partition is queued before any
/// write is awaited, in request order: the connection's next Produce starts after that
/// (`appendsQueued`), and the writes of all of them share group commits. acks=1 is answered once the
/// batches are written; acks=all once they are also fdatasync'ed (`log.flush.durable.acks`, default);
/// acks=0 gets no response. The high watermark advances (and fetchers wake) as soon as each append is
/// written, before its fdatasync, as Kafka's does not wait for a flush either.
struct ProduceHandler: ApiHandler {
    typealias Request = ProduceRequest
    let versions: ClosedRange<Int16> = 3...11
    let services: BrokerServices

    typealias PartitionResponse = ProduceResponse.PartitionProduceResponse

    /// A partition's append: answered already (an error) or queued.
    private enum Queued {
        case answered(PartitionResponse)
        case appending(Partition, PendingAppend)
    }

    func handle(_ request: ProduceRequest, context: RequestContext) async -> ProduceResponse? {
        let acks = request.acks
        let now = WallClock.nowMilliseconds()
        let queued = request.topicData.map { topic in
            topic.partitionData.map { partition -> Queued in
                guard acks == 0 || acks == 1 || acks == -1 else {
                    return .answered(Self.failure(partition.index, EntityError(.invalidRequiredAcks)))
                }
                return queue(topic: topic.name, partition: partition.index, records: partition.records, durable: acks == -1, now: now)
            }
        }
        context.appendsQueued()
        // Every partition's high watermark first, so none waits for another partition's fdatasync.
        for partitions in queued {
            for append in partitions { await advanceHighWatermark(append) }
        }
        var response = ProduceResponse()
        for (topic, partitions) in zip(request.topicData, queued) {
            var topicResponse = ProduceResponse.TopicProduceResponse()
            topicResponse.name = topic.name
            for (partition, append) in zip(topic.partitionData, partitions) {
                topicResponse.partitionResponses.append(await complete(append, index: partition.index))
            }
            response.responses.append(topicResponse)
        }
        return acks == 0 ? nil : response
    }

    private func queue(topic: String, partition index: Int32, records: ByteBuffer?, durable: Bool, now: Int64) -> Queued {
        guard let partition = services.partitions.partition(topic, index) else {
            return .answered(Self.failure(index, EntityError(.unknownTopicOrPartition)))
        }
        guard !InternalTopics.contains(topic) else {
            return .answered(Self.failure(index, EntityError(.invalidTopicException, "Cannot append to internal topic \(topic)")))
        }
        guard let records, records.readableBytes > 0 else {
            return .answered(Self.failure(index, EntityError(.corruptMessage, "empty records")))
        }
        let config = services.topicConfiguration(topic, in: services.metadata.image)
        do throws(EntityError) {
            try Self.validate(records, messageBytesMax: config.messageBytesMax)
            if config.cleanupPolicy.contains(.compact) {
                try Self.requireKeys(records, decompressedBytesMax: services.configuration.network.requestBytesMax)
            }
        } catch {
            return .answered(Self.failure(index, error))
        }
        do {
            let pending = try partition.log.submitAppendAsLeader(
                records, leaderEpoch: partition.leaderEpoch, now: now, durable: durable)
            return .appending(partition, pending)
        } catch {
            return .answered(Self.failure(index, error.entityError))
        }
    }

    /// Once the append is written: the high watermark moves past it and waiting fetches wake. A failed
    /// write moves nothing (`complete` answers the error).
    private func advanceHighWatermark(_ append: Queued) async {
        guard case .appending(let partition, let pending) = append,
            let info = try? await pending.written(), !info.isDuplicate
        else { return }
        partition.advanceHighWatermark(to: info.lastOffset + 1)
        services.partitions.appends.notifyAll()
    }

    private func complete(_ append: Queued, index: Int32) async -> PartitionResponse {
        switch append {
        case .answered(let response):
            return response
        case .appending(_, let pending):
            do {
                let info = try await pending.result()
                var result = PartitionResponse()
                result.index = index
                result.baseOffset = info.firstOffset
                result.logAppendTimeMs = info.logAppendTime
                result.logStartOffset = info.logStartOffset
                return result
            } catch {
                return Self.failure(index, error.entityError)
            }
        }
    }

    /// Walks the batches: each must be whole, record batch v2, within `max.message.bytes`, with a good CRC.
    static func validate(_ records: ByteBuffer, messageBytesMax: Int) throws(EntityError) {
        var position = records.readerIndex
        while position < records.writerIndex {
            let header: RecordBatchHeader
            do {
                header = try RecordBatchHeader(parsing: records, at: position)
                if header.totalSize > messageBytesMax {
                    throw EntityError(
                        .messageTooLarge,
                        "The batch size \(header.totalSize) exceeds max.message.bytes \(messageBytesMax)")
                }
                try header.verifyChecksum(in: records, at: position)
            } catch let error as EntityError {
                throw error
            } catch let error as RecordBatchError {
                throw EntityError(error.code == .unsupportedMagic ? .unsupportedForMessageFormat : .corruptMessage, error.description)
            } catch {
                throw EntityError(.corruptMessage, "\(error)")
            }
            guard header.recordCount >= 0, header.lastOffsetDelta >= 0 else {
                throw EntityError(.corruptMessage, "negative record count or offset delta")
            }
            position += header.totalSize
        }
    }

    /// Compacted topics keep the latest record per key, so a record without a key is refused (Kafka's
    /// INVALID_RECORD). Needs record iteration, decompressing at most `decompressedBytesMax` per batch.
    static func requireKeys(_ records: ByteBuffer, decompressedBytesMax: Int) throws(EntityError) {
        var batches = RecordBatchIterator(records)
        do {
            while let (header, bytes) = try batches.next() {
                if header.attributes.contains(.control) { continue }
                var iterator = try RecordBatch(bytes).records(maxDecompressedBytes: decompressedBytesMax)
                while let record = try iterator.next() {
                    guard record.key != nil else {
                        throw EntityError(.invalidRecord, "Compacted topic cannot accept message without key")
                    }
                }
            }
        } catch let error as EntityError {
            throw error
        } catch {
            throw EntityError(.corruptMessage, "\(error)")
        }
    }

    static func failure(_ index: Int32, _ error: EntityError) -> PartitionResponse {
        var result = PartitionResponse()
        result.index = index
        result.errorCode = error.code.rawValue
        result.errorMessage = error.message
        result.baseOffset = -1
        return result
    }
}

extension LogError {
    var entityError: EntityError {
        switch code {
        case .outOfOrderSequence: EntityError(.outOfOrderSequenceNumber, detail)
        case .invalidProducerEpoch: EntityError(.invalidProducerEpoch, detail)
        case .corruptBatch: EntityError(.corruptMessage, detail)
        case .appendTooLarge: EntityError(.recordListTooLarge, detail)
        case .offsetOutOfRange: EntityError(.offsetOutOfRange, detail)
        case .notFound: EntityError(.unknownTopicOrPartition, detail)
        default: EntityError(.kafkaStorageError, detail)
        }
    }
}
