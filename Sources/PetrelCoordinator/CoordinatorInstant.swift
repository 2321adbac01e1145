/// Wall-clock time in milliseconds since the Unix epoch.
///
/// Kafka's coordinator runs on `time.milliseconds()`: the same clock stamps `commitTimestamp` and
/// `currentStateTimestamp` in `__consumer_offsets` and drives session and rebalance deadlines, so one type
/// serves both. The coordinator never reads a clock; every event passes `now`.
public struct CoordinatorInstant: Comparable, Hashable, Sendable {
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    public static func < (lhs: CoordinatorInstant, rhs: CoordinatorInstant) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// Saturates instead of trapping, so a huge timeout from a client cannot crash the coordinator.
    public static func + (lhs: CoordinatorInstant, rhs: Duration) -> CoordinatorInstant {
        let (sum, overflow) = lhs.millisecondsSinceEpoch.addingReportingOverflow(rhs.wholeMilliseconds)
        return CoordinatorInstant(millisecondsSinceEpoch: overflow ? (rhs < .zero ? .min : .max) : sum)
    }

    public static func - (lhs: CoordinatorInstant, rhs: CoordinatorInstant) -> Duration {
        .milliseconds(lhs.millisecondsSinceEpoch &- rhs.millisecondsSinceEpoch)
    }
}

extension Duration {
    /// Whole milliseconds, truncated toward zero; the unit of every Kafka timeout field.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return millis &+ attoseconds / 1_000_000_000_000_000
    }
}
