import NIOCore
import PetrelProtocol
import PetrelStorage

/// Produce (key 0), v3-11: per partition, validates every record batch (size against
/// `max.message.bytes`, header sanity, CRC-32C), appends (offsets patched in place by storage, which
/// also runs the idempotent-producer checks) and advances the high watermark. Partitions are appended
/// concurrently so their writes share one group commit. acks=0 gets no response; acks=1 and acks=all
/// are answered after the append returns, which with `log.flush.durable.acks` (default) means fdatasync'ed.
struct ProduceHandler: ApiHandler {
    typealias Request = ProduceRequest
    let versions: ClosedRange<Int16> = 3...11
    let services: BrokerServices

    typealias PartitionResponse = ProduceResponse.PartitionProduceResponse

    func handle(_ request: ProduceRequest, context: RequestContext) async -> ProduceResponse? {
        let acks = request.acks
        var response = ProduceResponse()
        let results = await withTaskGroup(of: (Int, Int, PartitionResponse).self) { group in
            for (topicIndex, topic) in request.topicData.enumerated() {
                for (partitionIndex, partition) in topic.partitionData.enumerated() {
                    group.addTask {
                        let result: PartitionResponse
                        if acks != 0 && acks != 1 && acks != -1 {
                            result = Self.failure(partition.index, EntityError(.invalidRequiredAcks))
                        } else {
                            result = await produce(topic: topic.name, partition: partition.index, records: partition.records)
                        }
                        return (topicIndex, partitionIndex, result)
                    }
                }
            }
            var collected: [(Int, Int, PartitionResponse)] = []
            for await result in group { collected.append(result) }
            return collected
        }
        response.responses = request.topicData.map { topic in
            var topicResponse = ProduceResponse.TopicProduceResponse()
            topicResponse.name = topic.name
            return topicResponse
        }
        for (topicIndex, _, result) in results.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            response.responses[topicIndex].partitionResponses.append(result)
        }
        return acks == 0 ? nil : response
    }

    private func produce(topic: String, partition index: Int32, records: ByteBuffer?) async -> PartitionResponse {
        guard let partition = services.partitions.partition(topic, index) else {
            return Self.failure(index, EntityError(.unknownTopicOrPartition))
        }
        guard let records, records.readableBytes > 0 else {
            return Self.failure(index, EntityError(.corruptMessage, "empty records"))
        }
        let config = services.topicConfiguration(topic, in: services.metadata.image)
        do throws(EntityError) {
            try Self.validate(records, messageBytesMax: config.messageBytesMax)
            if config.cleanupPolicy.contains(.compact) {
                try Self.requireKeys(records, decompressedBytesMax: services.configuration.network.requestBytesMax)
            }
        } catch {
            return Self.failure(index, error)
        }
        do {
            let info = try await partition.log.appendAsLeader(
                records, leaderEpoch: partition.leaderEpoch, now: WallClock.nowMilliseconds())
            if !info.isDuplicate {
                partition.advanceHighWatermark(to: info.lastOffset + 1)
                services.partitions.appends.notifyAll()
            }
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
        case .offsetOutOfRange: EntityError(.offsetOutOfRange, detail)
        case .notFound: EntityError(.unknownTopicOrPartition, detail)
        default: EntityError(.kafkaStorageError, detail)
        }
    }
}
