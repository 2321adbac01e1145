/// Keeps a connection's responses in request order. Kafka clients pipeline requests and match
/// responses by position, so a response that completes early waits for every earlier one.
///
/// A plain value: the channel handler calls `nextRequest()` as each frame arrives and
/// `complete(_:with:)` when its handler finishes, and writes what `complete` returns, in order.
/// A request that gets no response (acks=0 Produce) completes with nil to release later ones.
struct ResponseSequencer<Response> {
    struct RequestID: Hashable, Comparable {
        fileprivate let value: UInt64
        static func < (lhs: RequestID, rhs: RequestID) -> Bool { lhs.value < rhs.value }
    }

    private var nextAssigned: UInt64 = 0
    private var nextToWrite: UInt64 = 0
    /// Completed responses waiting for an earlier request; nil marks "no response".
    private var completed: [UInt64: Response?] = [:]

    /// Requests received whose responses have not been released yet.
    var inFlight: Int { Int(nextAssigned - nextToWrite) }

    mutating func nextRequest() -> RequestID {
        defer { nextAssigned += 1 }
        return RequestID(value: nextAssigned)
    }

    /// Records `id`'s response and returns every response now writable, oldest first.
    mutating func complete(_ id: RequestID, with response: Response?) -> [Response] {
        precondition(id.value >= nextToWrite && id.value < nextAssigned, "request completed twice or never issued")
        // The usual case, the oldest request completing with nothing parked, skips the dictionary.
        if id.value == nextToWrite, completed.isEmpty {
            nextToWrite += 1
            return response.map { [$0] } ?? []
        }
        precondition(completed[id.value] == nil, "request completed twice")
        completed[id.value] = .some(response)
        var ready: [Response] = []
        while let next = completed.removeValue(forKey: nextToWrite) {
            if let response = next { ready.append(response) }
            nextToWrite += 1
        }
        return ready
    }
}
