import Testing

@testable import PetrelClient

struct Sized: AccumulatedRecord {
    var estimatedSize: Int
}

@Suite struct RecordAccumulatorTests {
    let t0 = ContinuousClock.Instant.now
    let p0 = TopicPartition(topic: "t", partition: 0)
    let p1 = TopicPartition(topic: "t", partition: 1)

    func accumulator(batchSize: Int = 1_000, linger: Duration = .milliseconds(5)) -> RecordAccumulator<Sized, Int> {
        RecordAccumulator(batchSize: batchSize, linger: linger)
    }

    @Test func openBatchWaitsForLinger() {
        var acc = accumulator()
        #expect(acc.append(Sized(estimatedSize: 10), completion: 1, to: p0, now: t0) == .init(openedBatch: true))
        #expect(acc.drain(now: t0).isEmpty)
        #expect(acc.nextWakeup(now: t0) == t0 + .milliseconds(5))
        let ready = acc.drain(now: t0 + .milliseconds(5))
        #expect(ready.map(\.completions) == [[1]])
    }

    @Test func fullBatchClosesAndIsReadyAtOnce() {
        var acc = accumulator(batchSize: 300)
        #expect(acc.append(Sized(estimatedSize: 100), completion: 1, to: p0, now: t0) == .init(openedBatch: true))
        #expect(acc.append(Sized(estimatedSize: 100), completion: 2, to: p0, now: t0) == .init())
        #expect(acc.append(Sized(estimatedSize: 100), completion: 3, to: p0, now: t0) == .init(closedBatch: true, openedBatch: true))
        let ready = acc.drain(now: t0)
        #expect(ready.map(\.completions) == [[1, 2]])
    }

    @Test func oversizedRecordGetsABatchOfItsOwn() {
        var acc = accumulator(batchSize: 100)
        acc.append(Sized(estimatedSize: 500), completion: 1, to: p0, now: t0)
        #expect(acc.drain(now: t0).map(\.completions) == [[1]])
    }

    @Test func onlyOneBatchPerPartitionIsInFlight() {
        var acc = accumulator(batchSize: 200)
        for id in 1...4 { acc.append(Sized(estimatedSize: 100), completion: id, to: p0, now: t0) }
        #expect(acc.drain(now: t0).map(\.completions) == [[1]])
        #expect(acc.drain(now: t0).isEmpty)
        acc.completed(p0)
        #expect(acc.drain(now: t0).map(\.completions) == [[2]])
        acc.completed(p0)
        #expect(acc.drain(now: t0).map(\.completions) == [[3]])
    }

    @Test func partitionsDrainIndependently() {
        var acc = accumulator()
        acc.append(Sized(estimatedSize: 10), completion: 1, to: p0, now: t0)
        acc.append(Sized(estimatedSize: 10), completion: 2, to: p1, now: t0 + .milliseconds(3))
        #expect(acc.drain(now: t0 + .milliseconds(5)).map(\.partition) == [p0])
        #expect(acc.nextWakeup(now: t0 + .milliseconds(5)) == t0 + .milliseconds(8))
        #expect(acc.drain(now: t0 + .milliseconds(8)).map(\.partition) == [p1])
    }

    @Test func retriedBatchGoesFirstAfterItsBackoffKeepingItsSequence() {
        var acc = accumulator(batchSize: 200)
        for id in 1...3 { acc.append(Sized(estimatedSize: 100), completion: id, to: p0, now: t0) }
        var first = acc.drain(now: t0)[0]
        first.baseSequence = 0
        acc.retry(first, notBefore: t0 + .milliseconds(100))
        #expect(acc.drain(now: t0 + .milliseconds(50)).isEmpty)
        #expect(acc.nextWakeup(now: t0 + .milliseconds(50)) == t0 + .milliseconds(100))
        let again = acc.drain(now: t0 + .milliseconds(100))
        #expect(again.map(\.completions) == [[1]])
        #expect(again.first?.baseSequence == 0)
        #expect(again.first?.attempts == 1)
    }

    @Test func flushingMakesOpenBatchesReadyAndIdleWhenDone() {
        var acc = accumulator(linger: .seconds(60))
        acc.append(Sized(estimatedSize: 10), completion: 1, to: p0, now: t0)
        #expect(acc.drain(now: t0).isEmpty)
        acc.flushing = true
        #expect(acc.drain(now: t0).count == 1)
        #expect(!acc.isIdle)
        acc.completed(p0)
        #expect(acc.isIdle)
    }
}
