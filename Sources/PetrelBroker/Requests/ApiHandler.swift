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

/// An API whose responses may send file bytes in place of `records` fields (Fetch): the response
/// carries placeholders and the `RecordsSplice` says which file slices replace them.
protocol FileRegionApiHandler: Sendable {
    associatedtype Request: KafkaRequest
    var versions: ClosedRange<Int16> { get }
    func handle(_ request: Request, context: RequestContext) async -> (Request.Response, RecordsSplice)
}

/// What a handler may know about the request beyond its body.
struct RequestContext: Sendable {
    var header: RequestHeader
    var connection: ConnectionInfo
    /// Produce calls it once its appends are queued, letting the connection's next Produce start.
    var appendsQueued: @Sendable () -> Void = {}

    var apiVersion: Int16 { header.requestApiVersion }
}
