import PetrelProtocol
import PetrelStorage
import Synchronization

/// A partition this broker leads: its log and the replication state storage does not own.
///
/// On one node the high watermark is the log end offset once an append is written, but it is kept as
/// its own value (fetches read up to it, ListOffsets "latest" answers it) so replication can later hold
/// it back until followers catch up.
final class Partition: Sendable {
    let topic: String
    let index: Int32
    let topicID: Uuid
    let leaderEpoch: Int32
    let log: PartitionLog
    private let highWatermarkValue: Atomic<Int64>

    init(topic: String, index: Int32, topicID: Uuid, leaderEpoch: Int32, log: PartitionLog) {
        self.topic = topic
        self.index = index
        self.topicID = topicID
        self.leaderEpoch = leaderEpoch
        self.log = log
        // Everything in the log after recovery was acknowledged or is at least whole and checksummed.
        self.highWatermarkValue = Atomic(log.logEndOffset)
    }

    var highWatermark: Int64 { highWatermarkValue.load(ordering: .acquiring) }

    /// Moves the high watermark forward to `offset` (never back).
    func advanceHighWatermark(to offset: Int64) {
        highWatermarkValue.max(offset, ordering: .acquiringAndReleasing)
    }

    /// The high watermark after the log start moved past it (DeleteRecords) or the log was truncated.
    func resetHighWatermark() {
        highWatermarkValue.store(log.logEndOffset, ordering: .releasing)
    }

    /// The last stable offset: without transactions, the high watermark.
    var lastStableOffset: Int64 { highWatermark }
}
