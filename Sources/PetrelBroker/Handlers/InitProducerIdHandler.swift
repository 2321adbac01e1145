import PetrelMetadata
import PetrelProtocol

/// InitProducerId (key 22), v0-5, for idempotent producers: a fresh producer id with epoch 0, or, when
/// a producer passes its current id and epoch (KIP-360, v3+), the same id with the next epoch. Ids come
/// from blocks reserved in the metadata log (ProducerIdsRecord), so none is reused after a restart.
/// Transactional ids need the transaction coordinator, which does not exist yet.
struct InitProducerIdHandler: ApiHandler {
    typealias Request = InitProducerIdRequest
    let versions: ClosedRange<Int16> = 0...5
    let services: BrokerServices
    let allocator: ProducerIDAllocator

    func handle(_ request: InitProducerIdRequest, context: RequestContext) async -> InitProducerIdResponse? {
        var response = InitProducerIdResponse()
        if let transactionalID = request.transactionalID, !transactionalID.isEmpty {
            response.errorCode = KafkaErrorCode.coordinatorNotAvailable.rawValue
            return response
        }
        if request.producerID >= 0, request.producerEpoch >= 0, request.producerEpoch < Int16.max - 1 {
            response.producerID = request.producerID
            response.producerEpoch = request.producerEpoch + 1
            return response
        }
        do {
            response.producerID = try await allocator.next()
            response.producerEpoch = 0
        } catch {
            response.errorCode = error.entityError.code.rawValue
        }
        return response
    }
}

/// Hands out producer ids from blocks of `blockSize` reserved through the controller.
actor ProducerIDAllocator {
    static let blockSize: Int64 = 1000
    private let services: BrokerServices
    private var next: Int64 = 0
    private var end: Int64 = 0

    init(services: BrokerServices) {
        self.services = services
    }

    func next() async throws(MetadataOperationError) -> Int64 {
        if next >= end {
            let image = try await services.metadata.perform { control, image throws(ControllerError) in
                [control.allocateProducerIDs(count: Self.blockSize, brokerID: services.nodeID, in: image)]
            }
            end = image.nextProducerID
            next = end - Self.blockSize
        }
        defer { next += 1 }
        return next
    }
}
