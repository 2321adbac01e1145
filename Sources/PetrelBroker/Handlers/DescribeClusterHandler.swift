import PetrelProtocol

/// DescribeCluster (key 60), v0-1: this broker as the only broker and the controller.
struct DescribeClusterHandler: ApiHandler {
    typealias Request = DescribeClusterRequest
    let versions: ClosedRange<Int16> = 0...1
    let services: BrokerServices

    func handle(_ request: DescribeClusterRequest, context: RequestContext) async -> DescribeClusterResponse? {
        var response = DescribeClusterResponse()
        response.endpointType = request.endpointType
        response.clusterID = services.clusterID
        response.controllerID = services.nodeID
        var broker = DescribeClusterResponse.DescribeClusterBroker()
        broker.brokerID = services.nodeID
        (broker.host, broker.port) = services.endpoint
        response.brokers = [broker]
        return response
    }
}
