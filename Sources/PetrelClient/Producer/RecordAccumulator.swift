/// Something the accumulator can batch: it only needs the record's size to know when a batch is full.
protocol AccumulatedRecord {
    /// Bytes the record adds to a batch (an estimate of its encoded size, before compression).
    var estimatedSize: Int { get }
}

/// The producer's batching state machine: records per partition, grouped into batches closed by
/// `batch.size` or `linger.ms`, handed to the sender at most one in flight per partition.
///
/// One batch in flight per partition keeps the partition's order (and the idempotent producer's
/// sequence numbers) intact across retries without reordering logic: a failed batch goes back to the
/// head of its partition's queue and is sent again before anything behind it. Pure value: time comes
/// in as `now`, and the driver sleeps until `nextWakeup()`.
struct RecordAccumulator<Record: AccumulatedRecord, Completion> {
    struct Batch {
        var partition: TopicPartition
        var records: [Record] = []
        var completions: [Completion] = []
        var estimatedBytes = RecordAccumulator.batchOverhead
        var createdAt: ContinuousClock.Instant
        /// Assigned when the batch is first drained (idempotent producer); reused by every retry.
        var baseSequence: Int32?
        var attempts = 0
        /// A retried batch is not sent again before this instant (`retry.backoff.ms`).
        var notBefore: ContinuousClock.Instant?
    }

    /// The record batch v2 header, counted against `batch.size` like the Java client does.
    static var batchOverhead: Int { 61 }

    let batchSize: Int
    let linger: Duration
    private var open: [TopicPartition: Batch] = [:]
    private var closed: [TopicPartition: [Batch]] = [:]
    private var inFlight: Set<TopicPartition> = []
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
    mutating func append(_ record: Record, completion: Completion, to partition: TopicPartition, now: ContinuousClock.Instant)
        -> AppendResult
    {
        var result = AppendResult()
        // Taken out of the dictionary while it grows, so appending does not copy its arrays.
        var batch: Batch
        if let existing = open.removeValue(forKey: partition) {
            batch = existing
        } else {
            batch = Batch(partition: partition, createdAt: now)
            result.openedBatch = true
        }
        if batch.estimatedBytes + record.estimatedSize > batchSize, !batch.records.isEmpty {
            closed[partition, default: []].append(batch)
            batch = Batch(partition: partition, createdAt: now)
            result = AppendResult(closedBatch: true, openedBatch: true)
        }
        batch.records.append(record)
        batch.completions.append(completion)
        batch.estimatedBytes += record.estimatedSize
        open[partition] = batch
        return result
    }

    /// The batches to send now: per partition without a batch in flight, its oldest closed batch, or
    /// its open batch once `linger` has passed (or when flushing). Marks those partitions in flight.
    mutating func drain(now: ContinuousClock.Instant) -> [Batch] {
        var ready: [Batch] = []
        for partition in Set(open.keys).union(closed.keys).sorted() where !inFlight.contains(partition) {
            if var queue = closed[partition], let head = queue.first {
                if let notBefore = head.notBefore, notBefore > now { continue }
                queue.removeFirst()
                closed[partition] = queue.isEmpty ? nil : queue
                ready.append(head)
            } else if let batch = open[partition], flushing || batch.createdAt + linger <= now
                || batch.estimatedBytes >= batchSize
            {
                open[partition] = nil
                ready.append(batch)
            } else {
                continue
            }
            inFlight.insert(partition)
        }
        return ready
    }

    /// The batch of `partition` was acknowledged (or failed for good): its partition may send again.
    mutating func completed(_ partition: TopicPartition) {
        inFlight.remove(partition)
    }

    /// Puts a failed batch back at the head of its partition's queue, not to be sent before `notBefore`.
    mutating func retry(_ batch: Batch, notBefore: ContinuousClock.Instant) {
        var batch = batch
        batch.attempts += 1
        batch.notBefore = notBefore
        closed[batch.partition, default: []].insert(batch, at: 0)
        inFlight.remove(batch.partition)
    }

    /// Removes and returns every batch not in flight (used to fail them when the producer closes).
    mutating func removeAll() -> [Batch] {
        let all = closed.values.flatMap { $0 } + open.values
        closed = [:]
        open = [:]
        return all
    }

    /// The earliest instant at which `drain` could return something it cannot return now; nil when
    /// only an append or a completion can make progress.
    func nextWakeup(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        var earliest: ContinuousClock.Instant?
        func consider(_ instant: ContinuousClock.Instant) { earliest = min(earliest ?? instant, instant) }
        for (partition, queue) in closed where !inFlight.contains(partition) {
            if let head = queue.first { consider(head.notBefore ?? now) }
        }
        for (partition, batch) in open where !inFlight.contains(partition) && closed[partition] == nil {
            consider(batch.createdAt + linger)
        }
        return earliest
    }

    /// True when nothing is buffered or in flight (`flush()` is done).
    var isIdle: Bool { open.isEmpty && closed.isEmpty && inFlight.isEmpty }
}
