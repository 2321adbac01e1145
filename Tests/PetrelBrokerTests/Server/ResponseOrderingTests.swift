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

    func process(_ frame: ByteBuffer, connection: ConnectionInfo) async throws(UnreadableRequest) -> ResponseFrame? {
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
                    processor: processor, connection: ConnectionInfo(id: 1, remoteAddress: "test"),
                    logger: Logger(label: "test")))
        }.get()
    }
}

/// Records which produce frames are being processed at once; the first one is slow.
private actor ProduceOverlapProbe {
    private(set) var running = 0
    private(set) var maxRunning = 0
    private(set) var order: [UInt8] = []

    func enter(_ index: UInt8) {
        running += 1
        maxRunning = max(maxRunning, running)
        order.append(index)
    }

    func leave() { running -= 1 }
}

private struct SlowFirstProduceProcessor: RequestProcessor {
    let probe = ProduceOverlapProbe()

    func process(_ frame: ByteBuffer, connection: ConnectionInfo) async throws(UnreadableRequest) -> ResponseFrame? {
        // Frame: api key (int16, produce = 0) then the index of the request.
        guard let index = frame.getInteger(at: frame.readerIndex + 2, as: UInt8.self) else {
            throw UnreadableRequest(description: "short frame")
        }
        await probe.enter(index)
        if index == 0 { try? await Task.sleep(for: .milliseconds(200)) }
        await probe.leave()
        return ResponseFrame(ByteBuffer(bytes: [index]))
    }
}

@Suite struct PipelinedProduceTests {
    @Test func pipelinedProduceRequestsAreProcessedOneAtATimeInOrder() async throws {
        let count: UInt8 = 5
        let processor = SlowFirstProduceProcessor()
        let channel = NIOAsyncTestingChannel()
        try await channel.addConnectionHandler(processor: processor)
        for index in 0..<count {
            var frame = ByteBuffer()
            frame.writeInteger(Int16(0))  // ApiKey.produce
            frame.writeInteger(index)
            try await channel.writeInbound(frame)
        }
        for _ in 0..<count { _ = try await channel.waitForOutboundWrite(as: IOData.self) }
        #expect(await processor.probe.order == Array(0..<count))
        #expect(await processor.probe.maxRunning == 1)
    }
}
