import PetrelProtocol

/// ApiVersions (key 18), v0-4: the served API keys and exactly the versions the dispatcher accepts.
struct ApiVersionsHandler: ApiHandler {
    typealias Request = ApiVersionsRequest
    let versions: ClosedRange<Int16> = 0...4
    /// Every other served API; this handler adds itself.
    let otherAPIs: [(apiKey: ApiKey, versions: ClosedRange<Int16>)]

    func handle(_ request: ApiVersionsRequest, context: RequestContext) async -> ApiVersionsResponse? {
        Self.response(for: otherAPIs + [(ApiKey.apiVersions, versions)])
    }

    static func response(for served: [(apiKey: ApiKey, versions: ClosedRange<Int16>)]) -> ApiVersionsResponse {
        var response = ApiVersionsResponse()
        response.apiKeys = served.sorted { $0.apiKey < $1.apiKey }.map { entry in
            var version = ApiVersionsResponse.ApiVersion()
            version.apiKey = entry.apiKey.rawValue
            version.minVersion = entry.versions.lowerBound
            version.maxVersion = entry.versions.upperBound
            return version
        }
        return response
    }
}
