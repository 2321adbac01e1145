import Testing

@testable import PetrelClient

struct Sized {
    var estimatedSize: Int
}

/// A body that keeps only the sizes appended.
struct Sizes: BatchBody {
    var sizes: [Int] = []
    static func estimatedSize(of record: Sized) -> Int { record.estimatedSize }
    init(capacity: Int) {}
    mutating func reset() { sizes.removeAll() }
    mutating func append(_ record: Sized) { sizes.append(record.estimatedSize) }
}

@Suite struct RecordAccumulatorTests {
    let t0 = ContinuousClock.Instant.now
    let p0 = TopicPartition(topic: "t", partition: 0)
    let p1 = TopicPartition(topic: "t", partition: 1)
    let any: (TopicPartition) -> Bool = { _ in true }

    func accumulator(batchSize: Int = 1_000, linger: Duration = .milliseconds(5)) -> RecordAccumulator<Sizes, Int> {
        RecordAccumulator(batchSize: batchSize, linger: linger)
    }

    /// Four 100-byte records into 200-byte batches: batches [1], [2], [3] closed, [4] open.
    func fourBatches() -> RecordAccumulator<Sizes, Int> {
        var acc = accumulator(batchSize: 200)
        for id in 1...4 { acc.append(Sized(estimatedSize: 100), completion: id, to: p0, now: t0) }
        return acc
    }

    @Test func openBatchWaitsForLinger() {
        var acc = accumulator()
        #expect(acc.append(Sized(estimatedSize: 10), completion: 1, to: p0, now: t0) == .init(openedBatch: true))
        #expect(acc.drain(now: t0, canSend: any).isEmpty)
        #expect(acc.nextWakeup(now: t0, canSend: any) == t0 + .milliseconds(5))
        let ready = acc.drain(now: t0 + .milliseconds(5), canSend: any)
        #expect(ready.map(\.completions) == [[1]])
    }

    @Test func fullBatchClosesAndIsReadyAtOnce() {
        var acc = accumulator(batchSize: 300)
        #expect(acc.append(Sized(estimatedSize: 100), completion: 1, to: p0, now: t0) == .init(openedBatch: true))
        #expect(acc.append(Sized(estimatedSize: 100), completion: 2, to: p0, now: t0) == .init())
        #expect(acc.append(Sized(estimatedSize: 100), completion: 3, to: p0, now: t0) == .init(closedBatch: true, openedBatch: true))
        let ready = acc.drain(now: t0, canSend: any)
        #expect(ready.map(\.completions) == [[1, 2]])
    }

    @Test func oversizedRecordGetsABatchOfItsOwn() {
        var acc = accumulator(batchSize: 100)
        acc.append(Sized(estimatedSize: 500), completion: 1, to: p0, now: t0)
        #expect(acc.drain(now: t0, canSend: any).map(\.completions) == [[1]])
    }

    @Test func eachDrainTakesOneBatchPerPartitionAndBatchesPipelineInOrder() {
        var acc = fourBatches()
        let first = acc.drain(now: t0, canSend: any)
        let second = acc.drain(now: t0, canSend: any)
        #expect(first.map(\.completions) == [[1]])
        #expect(second.map(\.completions) == [[2]])
        #expect(first.map(\.sendOrder) == [0])
        #expect(second.map(\.sendOrder) == [1])
        acc.completed(second[0])
        acc.completed(first[0])
        #expect(acc.drain(now: t0, canSend: any).map(\.completions) == [[3]])
    }

    @Test func partitionsTheSenderRefusesAreSkipped() {
        var acc = accumulator(batchSize: 150)
        for id in 1...2 { acc.append(Sized(estimatedSize: 100), completion: id, to: p0, now: t0) }
        for id in 3...4 { acc.append(Sized(estimatedSize: 100), completion: id, to: p1, now: t0) }
        #expect(acc.drain(now: t0, canSend: { $0 == p1 }).map(\.completions) == [[3]])
        #expect(acc.nextWakeup(now: t0, canSend: { _ in false }) == nil)
        #expect(acc.drain(now: t0, canSend: any).map(\.completions) == [[1], [4]])
    }

    @Test func partitionsDrainIndependently() {
        var acc = accumulator()
        acc.append(Sized(estimatedSize: 10), completion: 1, to: p0, now: t0)
        acc.append(Sized(estimatedSize: 10), completion: 2, to: p1, now: t0 + .milliseconds(3))
        #expect(acc.drain(now: t0 + .milliseconds(5), canSend: any).map(\.partition) == [p0])
        #expect(acc.nextWakeup(now: t0 + .milliseconds(5), canSend: any) == t0 + .milliseconds(8))
        #expect(acc.drain(now: t0 + .milliseconds(8), canSend: any).map(\.partition) == [p1])
    }

    @Test func retriedBatchGoesFirstAfterItsBackoffKeepingItsSequence() {
        var acc = fourBatches()
        var first = acc.drain(now: t0, canSend: any)[0]
        first.baseSequence = 0
        acc.retry(first, notBefore: t0 + .milliseconds(100))
        #expect(acc.drain(now: t0 + .milliseconds(50), canSend: any).isEmpty)
        #expect(acc.nextWakeup(now: t0 + .milliseconds(50), canSend: any) == t0 + .milliseconds(100))
        let again = acc.drain(now: t0 + .milliseconds(100), canSend: any)
        #expect(again.map(\.completions) == [[1]])
        #expect(again.first?.baseSequence == 0)
        #expect(again.first?.sendOrder == 0)
        #expect(again.first?.attempts == 1)
    }

    @Test func aFailedBatchHoldsItsPartitionUntilLaterInFlightBatchesReturnThenAllGoAgainInOrder() {
        var acc = fourBatches()
        let sent = (0..<3).flatMap { _ in acc.drain(now: t0, canSend: any) }
        #expect(sent.map(\.completions) == [[1], [2], [3]])
        acc.retry(sent[0], notBefore: t0)
        #expect(acc.drain(now: t0, canSend: any).isEmpty)
        #expect(acc.hasEarlierOutstanding(than: sent[1]))
        #expect(!acc.hasEarlierOutstanding(than: sent[0]))
        // The broker answers the later ones OUT_OF_ORDER_SEQUENCE_NUMBER; they come back out of order here.
        acc.retry(sent[2], notBefore: t0)
        #expect(acc.drain(now: t0, canSend: any).isEmpty)
        acc.retry(sent[1], notBefore: t0)
        let resent = (0..<4).flatMap { _ in acc.drain(now: t0 + .milliseconds(5), canSend: any) }
        #expect(resent.map(\.completions) == [[1], [2], [3], [4]])
        #expect(resent.map(\.sendOrder) == [0, 1, 2, 3])
    }

    @Test func expiredWaitingBatchesAreRemovedButInFlightOnesAreNot() {
        var acc = fourBatches()
        let inFlight = acc.drain(now: t0, canSend: any)
        let expired = acc.expire(createdBefore: t0 + .milliseconds(1))
        #expect(expired.map(\.completions).sorted { $0[0] < $1[0] } == [[2], [3], [4]])
        #expect(!acc.isIdle)
        acc.completed(inFlight[0])
        #expect(acc.isIdle)
    }

    @Test func flushingMakesOpenBatchesReadyAndIdleWhenDone() {
        var acc = accumulator(linger: .seconds(60))
        acc.append(Sized(estimatedSize: 10), completion: 1, to: p0, now: t0)
        #expect(acc.drain(now: t0, canSend: any).isEmpty)
        acc.flushing = true
        let ready = acc.drain(now: t0, canSend: any)
        #expect(ready.count == 1)
        #expect(!acc.isIdle)
        acc.completed(ready[0])
        #expect(acc.isIdle)
    }
}
