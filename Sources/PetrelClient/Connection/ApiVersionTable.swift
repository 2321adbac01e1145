import PetrelProtocol

/// The API versions one broker advertised in its ApiVersions response, and the negotiation rule:
/// for each API use the highest version both sides support (what the Java client and librdkafka do).
struct ApiVersionTable: Sendable, Hashable {
    private var ranges: [Int16: ClosedRange<Int16>]

    init(ranges: [Int16: ClosedRange<Int16>]) {
        self.ranges = ranges
    }

    /// The highest version in both `ours` and what the broker advertised for `apiKey`, or nil when the
    /// two ranges do not overlap (or the broker does not serve the API).
    func negotiate(_ apiKey: ApiKey, ours: ClosedRange<Int16>) -> Int16? {
        guard let theirs = ranges[apiKey.rawValue], theirs.overlaps(ours) else { return nil }
        return min(theirs.upperBound, ours.upperBound)
    }
}
