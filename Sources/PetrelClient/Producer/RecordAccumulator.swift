/// What a batch holds besides its completions: the producer's encoded records. The accumulator only
/// appends to it and needs each record's size to know when a batch is full.
protocol BatchBody {
    associatedtype Record
    /// Bytes `record` adds to a batch (an estimate of its encoded size, before compression).
    static func estimatedSize(of record: Record) -> Int
    /// An empty body with room for about `capacity` bytes.
    init(capacity: Int)
    /// Empties a body given back by `RecordAccumulator.recycle`, keeping its storage.
    mutating func reset()
    mutating func append(_ record: Record)
}

/// The producer's batching state machine: records per partition, grouped into batches closed by
/// `batch.size` or `linger.ms`, handed to the sender in order, several per partition in flight.
///
/// Ordering across retries (what the idempotent producer's sequence numbers need): batches are drained
/// oldest first and numbered by `sendOrder` when first sent. A batch that comes back for a retry is put
/// back in the queue in `sendOrder` position; if later batches of its partition are still in flight,
/// the partition sends nothing more until all of them have come back (they fail with
/// OUT_OF_ORDER_SEQUENCE_NUMBER behind the failed one, and are put back too), then resends from the
/// oldest on. This is the Java client's rule (retried batches go first, in sequence order). Pure
/// value: time comes in as `now`, and the driver sleeps until `nextWakeup()`.
struct RecordAccumulator<Body: BatchBody, Completion> {
    typealias Record = Body.Record

    struct Batch {
        var partition: TopicPartition
        var body: Body
        /// One per record, in order: the record count.
        var completions: [Completion] = []
        var estimatedBytes = RecordAccumulator.batchOverhead
        var createdAt: ContinuousClock.Instant
        /// Assigned when the batch is first drained (idempotent producer); reused by every retry.
        var baseSequence: Int32?
        /// The batch's rank among all batches drained, assigned when first drained; orders retries.
        var sendOrder: Int?
        var attempts = 0
        /// A retried batch is not sent again before this instant (`retry.backoff.ms`).
        var notBefore: ContinuousClock.Instant?
    }

    /// The record batch v2 header, counted against `batch.size` like the Java client does.
    static var batchOverhead: Int { 61 }

    let batchSize: Int
    let linger: Duration
    private var open: [TopicPartition: Batch] = [:]
    /// The open batch appended to last, kept out of `open` (whose keys never include its partition):
    /// the sticky partitioner sends runs of records to one partition, and each then skips two
    /// dictionary operations. Every other mutation first puts it back (`settle()`).
    private var hot: Batch?
    private var closed: [TopicPartition: [Batch]] = [:]
    /// `sendOrder` of each partition's batches sent and not yet answered, oldest first.
    private var inFlight: [TopicPartition: [Int]] = [:]
    /// Partitions with a batch put back while later ones were in flight: nothing is sent from them until
    /// those have come back.
    private var resyncing: Set<TopicPartition> = []
    private var drained = 0
    /// Bodies and completion arrays of finished batches, for new batches to reuse (`recycle`).
    private var spare: [(body: Body, completions: [Completion])] = []
    /// While set, open batches are ready at once (`flush()`, close).
    var flushing = false

    init(batchSize: Int, linger: Duration) {
        self.batchSize = batchSize
        self.linger = linger
    }

    /// What an append changed, so the driver does only the work needed.
    struct AppendResult: Equatable {
        /// The partition's previous open batch was closed (full): it can be sent, and the sticky
        /// partitioner moves on.
        var closedBatch = false
        /// The record started a new open batch: its linger deadline is new.
        var openedBatch = false
    }

    /// Adds a record to its partition's open batch. A record larger than `batch.size` gets a batch of
    /// its own.
    @discardableResult
    /// `now` is read only when the record opens a batch (its linger starts then).
    mutating func append(
        _ record: Record, completion: Completion, to partition: TopicPartition,
        now: @autoclosure () -> ContinuousClock.Instant
    ) -> AppendResult {
        let size = Body.estimatedSize(of: record)
        // The common case, a run of records to one partition: appended in place (optional chaining
        // mutates the stored batch; moving it out and back costs two copies of the struct per record).
        if hot?.partition == partition, let bytes = hot?.estimatedBytes, bytes + size <= batchSize {
            hot?.body.append(record)
            hot?.completions.append(completion)
            hot?.estimatedBytes = bytes + size
            return AppendResult()
        }
        var result = AppendResult()
        // Moved out of storage while it grows, so appending does not copy its arrays.
        var batch: Batch
        if hot?.partition == partition, let current = hot.take() {
            batch = current
        } else if let existing = { settle(); return open.removeValue(forKey: partition) }() {
            batch = existing
        } else {
            batch = newBatch(for: partition, sizedFor: record, now: now())
            result.openedBatch = true
        }
        if batch.estimatedBytes + size > batchSize, !batch.completions.isEmpty {
            closed[partition, default: []].append(batch)
            batch = newBatch(for: partition, sizedFor: record, now: now())
            result = AppendResult(closedBatch: true, openedBatch: true)
        }
        batch.body.append(record)
        batch.completions.append(completion)
        batch.estimatedBytes += size
        hot = batch
        return result
    }

    /// An empty batch with room for as many records like `record` as `batch.size` holds (at most
    /// 16,384 completions, 1 MiB of body), so filling it does not grow it step by step. Its body reuses
    /// a recycled one (and its completion array) when there is one.
    private mutating func newBatch(for partition: TopicPartition, sizedFor record: Record, now: ContinuousClock.Instant) -> Batch {
        let size = Body.estimatedSize(of: record)
        if var recycled = spare.popLast() {
            recycled.body.reset()
            recycled.completions.removeAll(keepingCapacity: true)
            return Batch(partition: partition, body: recycled.body, completions: recycled.completions, createdAt: now)
        }
        var batch = Batch(
            partition: partition, body: Body(capacity: min(1 << 20, max(batchSize, size + Self.batchOverhead))),
            createdAt: now)
        batch.completions.reserveCapacity(min(16_384, max(1, (batchSize - Self.batchOverhead) / max(1, size))))
        return batch
    }

    /// Keeps the body and completion array of a finished batch (delivered or failed for good, its
    /// reports run) for a new batch to reuse: a producer's batches are up to `batch.size` bytes, and
    /// fresh ones cost page faults. Keeps a few. Storage still shared with a copy is not reused in place
    /// (copy on write), so recycling early costs only the reuse.
    mutating func recycle(_ body: Body, completions: [Completion]) {
        if spare.count < Self.spareLimit { spare.append((body, completions)) }
    }

    /// Enough for the batches of a few partitions being filled while others are in flight.
    private static var spareLimit: Int { 8 }

    /// The batches to send now, at most one per partition (one Produce request's worth): a partition's
    /// oldest queued batch, or its open batch once `linger` has passed (or when flushing). Partitions
    /// for which `canSend` is false (their broker has enough requests in flight) and resyncing partitions
    /// with batches in flight are skipped. The batches returned count as in flight.
    mutating func drain(now: ContinuousClock.Instant, canSend: (TopicPartition) -> Bool) -> [Batch] {
        settle()
        var ready: [Batch] = []
        for partition in Set(open.keys).union(closed.keys).sorted() where !isBlocked(partition) && canSend(partition) {
            var batch: Batch
            if var queue = closed[partition], let head = queue.first {
                if let notBefore = head.notBefore, notBefore > now { continue }
                queue.removeFirst()
                closed[partition] = queue.isEmpty ? nil : queue
                batch = head
            } else if let candidate = open[partition], flushing || candidate.createdAt + linger <= now
                || candidate.estimatedBytes >= batchSize
            {
                open[partition] = nil
                batch = candidate
            } else {
                continue
            }
            if batch.sendOrder == nil {
                batch.sendOrder = drained
                drained += 1
            }
            inFlight[partition, default: []].append(batch.sendOrder ?? 0)
            ready.append(batch)
        }
        return ready
    }

    private func isBlocked(_ partition: TopicPartition) -> Bool {
        resyncing.contains(partition) && inFlight[partition] != nil
    }

    /// `batch` was acknowledged (or failed for good): it no longer counts as in flight.
    mutating func completed(_ batch: Batch) {
        removeInFlight(batch)
    }

    /// Puts a sent batch back in its partition's queue, in send order, not to be sent again before
    /// `notBefore`. Batches of the partition sent after it and still in flight hold the partition until
    /// they are back.
    mutating func retry(_ batch: Batch, notBefore: ContinuousClock.Instant) {
        var batch = batch
        batch.attempts += 1
        batch.notBefore = notBefore
        removeInFlight(batch)
        if inFlight[batch.partition] != nil { resyncing.insert(batch.partition) }
        var queue = closed[batch.partition] ?? []
        let order = batch.sendOrder ?? Int.max
        let position = queue.firstIndex { ($0.sendOrder ?? Int.max) > order } ?? queue.endIndex
        queue.insert(batch, at: position)
        closed[batch.partition] = queue
    }

    private mutating func removeInFlight(_ batch: Batch) {
        guard var orders = inFlight[batch.partition], let index = orders.firstIndex(of: batch.sendOrder ?? -1) else { return }
        orders.remove(at: index)
        if orders.isEmpty {
            inFlight[batch.partition] = nil
            resyncing.remove(batch.partition)
        } else {
            inFlight[batch.partition] = orders
        }
    }

    /// Whether a batch of `batch`'s partition sent before it is still in flight or waiting for a retry:
    /// then an OUT_OF_ORDER_SEQUENCE_NUMBER for `batch` only means that one has not been written yet.
    func hasEarlierOutstanding(than batch: Batch) -> Bool {
        guard let order = batch.sendOrder else { return false }
        if inFlight[batch.partition]?.contains(where: { $0 < order }) == true { return true }
        return closed[batch.partition]?.contains { ($0.sendOrder ?? Int.max) < order } == true
    }

    /// Removes and returns the batches not in flight that were created before `cutoff`
    /// (`delivery.timeout.ms` expired while they waited for a connection or a leader).
    mutating func expire(createdBefore cutoff: ContinuousClock.Instant) -> [Batch] {
        settle()
        var expired: [Batch] = []
        for (partition, queue) in closed where queue.contains(where: { $0.createdAt < cutoff }) {
            expired += queue.filter { $0.createdAt < cutoff }
            let kept = queue.filter { $0.createdAt >= cutoff }
            closed[partition] = kept.isEmpty ? nil : kept
        }
        for (partition, batch) in open where batch.createdAt < cutoff {
            expired.append(batch)
            open[partition] = nil
        }
        return expired
    }

    /// The earliest instant at which `drain` could return something it cannot return now because of
    /// time (a retry backoff or a linger); nil when only an append, a completion or a new connection can
    /// make progress. Partitions `canSend` refuses are left to the completion that frees them.
    func nextWakeup(now: ContinuousClock.Instant, canSend: (TopicPartition) -> Bool) -> ContinuousClock.Instant? {
        var earliest: ContinuousClock.Instant?
        func consider(_ instant: ContinuousClock.Instant) { earliest = min(earliest ?? instant, instant) }
        for (partition, queue) in closed where !isBlocked(partition) && canSend(partition) {
            if let head = queue.first { consider(head.notBefore ?? now) }
        }
        for batch in open.values + [hot].compactMap({ $0 }) {
            if closed[batch.partition] == nil && !isBlocked(batch.partition) && canSend(batch.partition) {
                consider(batch.createdAt + linger)
            }
        }
        return earliest
    }

    /// True when nothing is buffered or in flight (`flush()` is done).
    var isIdle: Bool { hot == nil && open.isEmpty && closed.isEmpty && inFlight.isEmpty }

    /// Puts the hot batch back into `open`.
    private mutating func settle() {
        if let batch = hot.take() { open[batch.partition] = batch }
    }
}

extension RecordAccumulator.Batch: Sendable where Body: Sendable, Completion: Sendable {}
extension RecordAccumulator: Sendable where Body: Sendable, Completion: Sendable {}
