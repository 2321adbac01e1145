import PetrelProtocol

/// One Kafka API served by the broker: a file per API in `Handlers/`, named after Kafka's API.
/// `versions` is what the broker serves and what ApiVersions advertises; requests outside it never
/// reach `handle`.
protocol ApiHandler: Sendable {
    associatedtype Request: KafkaRequest
    var versions: ClosedRange<Int16> { get }
    /// The response, or nil when the request gets none (acks=0 Produce).
    func handle(_ request: Request, context: RequestContext) async -> Request.Response?
}

/// What a handler may know about the request beyond its body.
struct RequestContext: Sendable {
    var header: RequestHeader
    var connection: ConnectionInfo

    var apiVersion: Int16 { header.requestApiVersion }
}
