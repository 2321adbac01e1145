import PetrelCoordinator
import PetrelProtocol

/// FindCoordinator (key 10), v0-6 (v4+ batch keys, KIP-699): a group's coordinator is the leader of its
/// `__consumer_offsets` partition, which is this broker. Transaction coordinators do not exist yet, so
/// key type 1 gets COORDINATOR_NOT_AVAILABLE.
struct FindCoordinatorHandler: ApiHandler {
    typealias Request = FindCoordinatorRequest
    let versions: ClosedRange<Int16> = 0...6
    let services: BrokerServices
    let coordinator: GroupCoordinator

    func handle(_ request: FindCoordinatorRequest, context: RequestContext) async -> FindCoordinatorResponse? {
        let (host, port) = services.endpoint
        let node = CoordinatorNode(nodeID: services.nodeID, host: host, port: port)
        return FindCoordinatorResponse(
            answering: request, version: context.apiVersion,
            partitionCount: { _ in max(coordinator.partitionCount, 1) },
            leader: { keyType, partition in keyType == 0 && coordinator.leads(partition) ? node : nil })
    }
}
