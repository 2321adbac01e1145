import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import PetrelBroker

@Suite struct ResponseSequencerTests {
    @Test func responsesAreReleasedInRequestOrder() {
        var sequencer = ResponseSequencer<String>()
        let a = sequencer.nextRequest()
        let b = sequencer.nextRequest()
        let c = sequencer.nextRequest()
        #expect(sequencer.complete(c, with: "c") == [])
        #expect(sequencer.complete(b, with: "b") == [])
        #expect(sequencer.inFlight == 3)
        #expect(sequencer.complete(a, with: "a") == ["a", "b", "c"])
        #expect(sequencer.inFlight == 0)
    }

    @Test func aRequestWithoutResponseReleasesLaterOnes() {
        var sequencer = ResponseSequencer<String>()
        let a = sequencer.nextRequest()
        let b = sequencer.nextRequest()
        #expect(sequencer.complete(b, with: "b") == [])
        #expect(sequencer.complete(a, with: nil) == ["b"])
    }
}

/// Completes request i only after request i+1 has completed, so handlers finish in reverse order.
private actor ReverseGate {
    private var done: Set<UInt8> = []
    private var waiters: [UInt8: CheckedContinuation<Void, Never>] = [:]

    func waitForSuccessor(of index: UInt8, last: UInt8) async {
        if index < last, !done.contains(index + 1) {
            await withCheckedContinuation { waiters[index + 1] = $0 }
        }
        done.insert(index)
        waiters.removeValue(forKey: index)?.resume()
    }
}

private struct ReversingProcessor: RequestProcessor {
    let gate = ReverseGate()
    let last: UInt8

    func process(
        _ frame: ByteBuffer, connection: ConnectionInfo, appendsQueued: @escaping @Sendable () -> Void
    ) async throws(UnreadableRequest) -> ResponseFrame? {
        guard let index = frame.getInteger(at: frame.readerIndex, as: UInt8.self) else {
            throw UnreadableRequest(description: "empty frame")
        }
        await gate.waitForSuccessor(of: index, last: last)
        return ResponseFrame(ByteBuffer(bytes: [index]))
    }
}

@Suite struct KafkaConnectionHandlerTests {
    @Test func pipelinedResponsesLeaveInRequestOrderWhenHandlersFinishInReverse() async throws {
        let count: UInt8 = 8
        let channel = NIOAsyncTestingChannel()
        try await channel.addConnectionHandler(processor: ReversingProcessor(last: count - 1))
        for index in 0..<count {
            try await channel.writeInbound(ByteBuffer(bytes: [index]))
        }
        var seen: [UInt8] = []
        for _ in 0..<count {
            let part = try await channel.waitForOutboundWrite(as: IOData.self)
            guard case .byteBuffer(let buffer) = part else {
                Issue.record("expected bytes")
                return
            }
            seen.append(contentsOf: buffer.readableBytesView)
        }
        #expect(seen == Array(0..<count))
    }

    @Test func anUnreadableRequestClosesTheConnection() async throws {
        let channel = NIOAsyncTestingChannel()
        try await channel.addConnectionHandler(processor: ReversingProcessor(last: 0))
        try await channel.writeInbound(ByteBuffer())
        try await channel.closeFuture.get()
        #expect(!channel.isActive)
    }
}

extension NIOAsyncTestingChannel {
    func addConnectionHandler(processor: some RequestProcessor) async throws {
        try await eventLoop.submit {
            try self.pipeline.syncOperations.addHandler(
                KafkaConnectionHandler(
                    processor: processor, connection: ConnectionInfo(id: 1, remoteAddress: "test", eventLoop: self.eventLoop),
                    logger: Logger(label: "test")))
        }.get()
    }
}

/// Records the order produce requests start in and whether each started only after its predecessor
/// had queued its appends.
private actor ProduceQueueProbe {
    private(set) var started: [UInt8] = []
    private(set) var startedBeforePredecessorQueued: [UInt8] = []
    private var queued: Set<UInt8> = []
    private var finished: Set<UInt8> = []
    private var finishWaiters: [UInt8: CheckedContinuation<Void, Never>] = [:]

    func start(_ index: UInt8) {
        started.append(index)
        if index > 0 && !queued.contains(index - 1) { startedBeforePredecessorQueued.append(index) }
    }

    func markQueued(_ index: UInt8) { queued.insert(index) }

    func finish(_ index: UInt8) {
        finished.insert(index)
        finishWaiters.removeValue(forKey: index)?.resume()
    }

    /// Returns once request `index` finished.
    func waitForFinish(of index: UInt8) async {
        if finished.contains(index) { return }
        await withCheckedContinuation { finishWaiters[index] = $0 }
    }
}

/// Frame: api key (int16, produce = 0) then the index of the request. Request 0 takes 200 ms before it
/// queues its appends; with `holdFirstUntilSecondFinished`, it then waits (after queueing) until request
/// 1 has finished, which only a connection that overlaps the waiting can satisfy.
private struct ProduceProcessor: RequestProcessor {
    let probe = ProduceQueueProbe()
    let holdFirstUntilSecondFinished: Bool

    func process(
        _ frame: ByteBuffer, connection: ConnectionInfo, appendsQueued: @escaping @Sendable () -> Void
    ) async throws(UnreadableRequest) -> ResponseFrame? {
        guard let index = frame.getInteger(at: frame.readerIndex + 2, as: UInt8.self) else {
            throw UnreadableRequest(description: "short frame")
        }
        await probe.start(index)
        if index == 0 { try? await Task.sleep(for: .milliseconds(200)) }
        await probe.markQueued(index)
        appendsQueued()
        if index == 0 && holdFirstUntilSecondFinished { await probe.waitForFinish(of: 1) }
        await probe.finish(index)
        return ResponseFrame(ByteBuffer(bytes: [index]))
    }
}

@Suite struct PipelinedProduceTests {
    private func run(_ processor: ProduceProcessor, count: UInt8) async throws -> [UInt8] {
        let channel = NIOAsyncTestingChannel()
        try await channel.addConnectionHandler(processor: processor)
        for index in 0..<count {
            var frame = ByteBuffer()
            frame.writeInteger(Int16(0))  // ApiKey.produce
            frame.writeInteger(index)
            try await channel.writeInbound(frame)
        }
        var responses: [UInt8] = []
        for _ in 0..<count {
            if case .byteBuffer(let buffer) = try await channel.waitForOutboundWrite(as: IOData.self) {
                responses.append(contentsOf: buffer.readableBytesView)
            }
        }
        return responses
    }

    @Test func pipelinedProduceRequestsStartInOrderEachAfterThePreviousQueuedItsAppends() async throws {
        let processor = ProduceProcessor(holdFirstUntilSecondFinished: false)
        let responses = try await run(processor, count: 5)
        #expect(responses == Array(0..<5))
        #expect(await processor.probe.started == Array(0..<5))
        #expect(await processor.probe.startedBeforePredecessorQueued == [])
    }

    @Test func aProduceRequestWaitingForItsWritesDoesNotHoldBackTheNext() async throws {
        let processor = ProduceProcessor(holdFirstUntilSecondFinished: true)
        let responses = try await run(processor, count: 2)
        #expect(responses == [0, 1])
        #expect(await processor.probe.startedBeforePredecessorQueued == [])
    }
}
