import Testing

@testable import PetrelBroker

@Suite struct FetchSessionCacheTests {
    typealias Key = FetchSessionCache.PartitionKey
    let a = Key(topic: "t", partition: 0)
    let b = Key(topic: "t", partition: 1)

    private func position(_ offset: Int64) -> FetchSessionCache.PartitionState {
        .init(fetchOffset: offset, maxBytes: 1024)
    }

    @Test func sessionlessFetchAnswersWhatWasAsked() {
        let cache = FetchSessionCache()
        let (outcome, targets) = cache.begin(sessionID: 0, epoch: -1, requested: [(a, position(5))], forgotten: [])
        #expect(outcome == .sessionless)
        #expect(targets.map(\.0) == [a])
    }

    @Test func incrementalFetchKeepsUnnamedPartitionsAndForgetsOnRequest() {
        let cache = FetchSessionCache()
        let (created, _) = cache.begin(sessionID: 0, epoch: 0, requested: [(a, position(0)), (b, position(0))], forgotten: [])
        guard case .created(let id) = created else {
            Issue.record("expected a new session, got \(created)")
            return
        }
        let (next, targets) = cache.begin(sessionID: id, epoch: 1, requested: [(a, position(7))], forgotten: [])
        #expect(next == .incremental(id))
        #expect(targets.map(\.0) == [a, b])
        #expect(targets.map(\.1.fetchOffset) == [7, 0])
        let (_, afterForget) = cache.begin(sessionID: id, epoch: 2, requested: [], forgotten: [b])
        #expect(afterForget.map(\.0) == [a])
    }

    @Test func wrongEpochAndUnknownSessionAreErrors() {
        let cache = FetchSessionCache()
        guard case (.created(let id), _) = cache.begin(sessionID: 0, epoch: 0, requested: [(a, position(0))], forgotten: [])
        else {
            Issue.record("no session")
            return
        }
        #expect(cache.begin(sessionID: id, epoch: 5, requested: [], forgotten: []).0 == .invalidEpoch)
        #expect(cache.begin(sessionID: id + 100, epoch: 1, requested: [], forgotten: []).0 == .sessionNotFound)
        #expect(cache.begin(sessionID: id, epoch: -1, requested: [], forgotten: []).0 == .sessionless)
        #expect(cache.begin(sessionID: id, epoch: 1, requested: [], forgotten: []).0 == .sessionNotFound)
    }

    @Test func rememberedStateIsWhatTheNextIncrementalFetchComparesWith() {
        let cache = FetchSessionCache()
        guard case (.created(let id), _) = cache.begin(sessionID: 0, epoch: 0, requested: [(a, position(0))], forgotten: [])
        else {
            Issue.record("no session")
            return
        }
        var sent = position(0)
        sent.highWatermark = 42
        cache.remember(sessionID: id, a, sent: sent)
        let (_, targets) = cache.begin(sessionID: id, epoch: 1, requested: [], forgotten: [])
        #expect(targets.first?.1.highWatermark == 42)
    }

    @Test func theOldestSessionIsEvictedAtCapacity() {
        let cache = FetchSessionCache(capacity: 2)
        var ids: [Int32] = []
        for _ in 0..<3 {
            if case (.created(let id), _) = cache.begin(sessionID: 0, epoch: 0, requested: [(a, position(0))], forgotten: []) {
                ids.append(id)
            }
        }
        #expect(ids.count == 3)
        #expect(cache.begin(sessionID: ids[0], epoch: 1, requested: [], forgotten: []).0 == .sessionNotFound)
        #expect(cache.begin(sessionID: ids[2], epoch: 1, requested: [], forgotten: []).0 == .incremental(ids[2]))
    }
}
