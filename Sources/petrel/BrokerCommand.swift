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
        let broker: Broker
        do {
            broker = try await Broker.start(configuration: configuration, values: values, logger: logger)
        } catch {
            logger.critical("broker failed to start: \(error)")
            throw ExitCode.failure
        }
        let signal = await Self.waitForTerminationSignal()
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

    /// Suspends until SIGTERM or SIGINT arrives; returns which one.
    private static func waitForTerminationSignal() async -> Int32 {
        await withCheckedContinuation { continuation in
            let queue = DispatchQueue(label: "petrel.signals")
            let once = SignalOnce(continuation)
            for number in [SIGTERM, SIGINT] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { once.fire(number) }
                source.resume()
                once.retain(source)
            }
        }
    }
}

/// Resumes the signal waiter once and keeps the dispatch sources alive for the process lifetime.
private final class SignalOnce: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Int32, Never>?
        var sources: [RetainedSource] = []
    }

    /// Dispatch sources are thread-safe; they are only kept here so they stay alive.
    private struct RetainedSource: @unchecked Sendable {
        let source: any DispatchSourceSignal
    }

    private let state: Mutex<State>

    init(_ continuation: CheckedContinuation<Int32, Never>) { state = Mutex(State(continuation: continuation)) }

    func retain(_ source: any DispatchSourceSignal) {
        let retained = RetainedSource(source: source)
        state.withLock { $0.sources.append(retained) }
    }

    func fire(_ number: Int32) {
        state.withLock { state in
            state.continuation?.resume(returning: number)
            state.continuation = nil
        }
    }
}
