import ArgumentParser
import Dispatch
import Logging
import PetrelBroker
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `petrel broker [--config server.properties] [--override key=value ...]`: runs a single-node broker
/// until SIGTERM or SIGINT, then shuts it down cleanly.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker", abstract: "Run a single-node broker (embedded defaults, data under ./data).")

    @Option(name: .customLong("config"), help: "A server.properties file (Kafka's format and key names).")
    var propertiesFile: String?

    @Option(name: .customLong("override"), help: "key=value applied after the file; repeatable.")
    var overrides: [String] = []

    @Flag(name: .customLong("print-config-docs"), help: "Print the configuration table as markdown and exit.")
    var printConfigDocs = false

    func run() async throws {
        if printConfigDocs {
            Self.writeToStandardOutput(ConfigDocumentation.markdown())
            return
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "petrel.broker")
        let configuration: BrokerConfiguration
        let values: BrokerConfigValues
        do {
            (configuration, values) = try BrokerConfiguration.load(propertiesFile: propertiesFile, overrides: overrides)
        } catch {
            logger.critical("configuration error: \(error)")
            throw ExitCode.failure
        }
        for warning in values.warnings {
            logger.warning("\(warning)")
        }
        // Handlers first: a signal that arrives while the broker starts must not be lost.
        let signals = TerminationSignals()
        let broker: Broker
        do {
            broker = try await Broker.start(configuration: configuration, values: values, logger: logger)
        } catch {
            logger.critical("broker failed to start: \(error)")
            throw ExitCode.failure
        }
        let signal = await signals.next()
        logger.info("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT")")
        await broker.shutdown()
    }

    private static func writeToStandardOutput(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}

/// SIGTERM and SIGINT, caught from creation on (their default action is disabled) and delivered to
/// `next()`, which returns at once if one already arrived.
private final class TerminationSignals: Sendable {
    private struct State {
        var received: Int32?
        var waiter: CheckedContinuation<Int32, Never>?
        var sources: [RetainedSource] = []
    }

    /// Dispatch sources are thread-safe; they are only kept here so they stay alive.
    private struct RetainedSource: @unchecked Sendable {
        let source: any DispatchSourceSignal
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "petrel.signals")

    init() {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.fire(number) }
            source.resume()
            let retained = RetainedSource(source: source)
            state.withLock { $0.sources.append(retained) }
        }
    }

    func next() async -> Int32 {
        await withCheckedContinuation { continuation in
            let received: Int32? = state.withLock { state in
                if let received = state.received { return received }
                state.waiter = continuation
                return nil
            }
            if let received { continuation.resume(returning: received) }
        }
    }

    private func fire(_ number: Int32) {
        let waiter = state.withLock { state in
            if state.received == nil { state.received = number }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: number)
    }
}
