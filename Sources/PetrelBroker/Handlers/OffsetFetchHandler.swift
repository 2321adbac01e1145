import PetrelCoordinator
import PetrelProtocol

/// OffsetFetch (key 9), v0-9; v8+ may name several groups, each answered by its own shard.
struct OffsetFetchHandler: ApiHandler {
    typealias Request = OffsetFetchRequest
    let versions: ClosedRange<Int16> = 0...9
    let coordinator: GroupCoordinator

    func handle(_ request: OffsetFetchRequest, context: RequestContext) async -> OffsetFetchResponse? {
        var results: [OffsetFetchResult] = []
        for query in request.groupQueries(version: context.apiVersion) {
            if let runner = coordinator.runner(for: query.groupID) {
                results.append(await runner.fetchOffsets(groupID: query.groupID, topics: query.topics))
            } else {
                results.append(OffsetFetchResult(groupID: query.groupID, errorCode: .notCoordinator, topics: []))
            }
        }
        return OffsetFetchResponse(results, version: context.apiVersion)
    }
}
