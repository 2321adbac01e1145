import Synchronization

/// Incremental fetch sessions (KIP-227). A consumer opens a session with a full fetch (session id 0,
/// epoch 0); later fetches (same id, next epoch) name only partitions that changed and list the ones
/// to forget, and responses carry only partitions with news (records, an error, or a moved high
/// watermark, last stable offset or log start offset). Epoch -1 ends a session; a fetch without a
/// session (id 0, epoch -1) is answered in full. The cache is bounded; the oldest session is evicted.
final class FetchSessionCache: Sendable {
    struct PartitionKey: Hashable, Sendable {
        var topic: String
        var partition: Int32
    }

    /// What the session remembers of a partition: the fetch position and what the client last saw.
    struct PartitionState: Sendable, Equatable {
        var fetchOffset: Int64
        var maxBytes: Int32
        var highWatermark: Int64 = -1
        var lastStableOffset: Int64 = -1
        var logStartOffset: Int64 = -1
    }

    struct Session: Sendable {
        var id: Int32
        var epoch: Int32
        var order: [PartitionKey]
        var partitions: [PartitionKey: PartitionState]
        var lastUsed: UInt64
    }

    enum Outcome: Equatable {
        /// Answer every requested partition, without a session.
        case sessionless
        /// Answer in full and return this new session id.
        case created(Int32)
        /// Answer the session's partitions that have news.
        case incremental(Int32)
        case sessionNotFound
        case invalidEpoch
    }

    private struct State {
        var sessions: [Int32: Session] = [:]
        var nextID: Int32 = 1
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 1000) {
        self.capacity = capacity
    }

    /// Applies a request's session fields and partitions to the cache. `requested` are the request's
    /// partitions in order, `forgotten` its forgotten partitions. For `.incremental`, the returned
    /// partitions are the whole session (the caller answers the ones with news).
    func begin(
        sessionID: Int32, epoch: Int32, requested: [(PartitionKey, PartitionState)], forgotten: [PartitionKey]
    ) -> (Outcome, [(PartitionKey, PartitionState)]) {
        state.withLock { state in
            state.clock += 1
            switch (sessionID, epoch) {
            case (0, -1):
                return (.sessionless, requested)
            case (_, -1):
                state.sessions[sessionID] = nil
                return (.sessionless, requested)
            case (_, 0):
                if sessionID != 0 { state.sessions[sessionID] = nil }
                if state.sessions.count >= capacity,
                    let oldest = state.sessions.values.min(by: { $0.lastUsed < $1.lastUsed })
                {
                    state.sessions[oldest.id] = nil
                }
                let id = state.nextID
                state.nextID = state.nextID == Int32.max ? 1 : state.nextID + 1
                var session = Session(id: id, epoch: 1, order: [], partitions: [:], lastUsed: state.clock)
                for (key, partition) in requested where session.partitions[key] == nil {
                    session.order.append(key)
                    session.partitions[key] = partition
                }
                state.sessions[id] = session
                return (.created(id), requested)
            default:
                guard var session = state.sessions[sessionID] else { return (.sessionNotFound, []) }
                guard session.epoch == epoch else { return (.invalidEpoch, []) }
                for key in forgotten {
                    session.partitions[key] = nil
                }
                session.order.removeAll { session.partitions[$0] == nil }
                for (key, requestedState) in requested {
                    if var existing = session.partitions[key] {
                        existing.fetchOffset = requestedState.fetchOffset
                        existing.maxBytes = requestedState.maxBytes
                        session.partitions[key] = existing
                    } else {
                        session.order.append(key)
                        session.partitions[key] = requestedState
                    }
                }
                session.epoch = epoch == Int32.max ? 1 : epoch + 1
                session.lastUsed = state.clock
                state.sessions[sessionID] = session
                let all = session.order.compactMap { key in session.partitions[key].map { (key, $0) } }
                return (.incremental(sessionID), all)
            }
        }
    }

    /// Records what a response told the client about `key`, so the next incremental fetch can tell
    /// whether the partition has news.
    func remember(sessionID: Int32, _ key: PartitionKey, sent: PartitionState) {
        state.withLock { state in
            guard state.sessions[sessionID]?.partitions[key] != nil else { return }
            state.sessions[sessionID]?.partitions[key] = sent
        }
    }
}
