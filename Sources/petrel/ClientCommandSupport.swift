import ArgumentParser
import PetrelClient

#if canImport(Glibc)
import Glibc
#endif

/// `--bootstrap-server HOST:PORT[,HOST:PORT...]`, shared by every client command.
struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap-server"), help: "Broker(s) to bootstrap from, HOST:PORT[,HOST:PORT...].")
    var bootstrapServer = "localhost:9092"

    @Option(name: .customLong("command-timeout-ms"), help: "How long an operation may keep retrying.")
    var commandTimeoutMs = 30_000

    func validate() throws {
        _ = try addresses()
        guard commandTimeoutMs > 0 else { throw ValidationError("--command-timeout-ms must be positive") }
    }

    func addresses() throws -> [BrokerAddress] {
        try bootstrapServer.split(separator: ",").map { part in
            guard let address = BrokerAddress(parsing: String(part)) else {
                throw ValidationError("--bootstrap-server: '\(part)' is not HOST:PORT")
            }
            return address
        }
    }

    func clientConfiguration() throws -> ClientConfiguration {
        var configuration = ClientConfiguration(bootstrapServers: try addresses())
        configuration.clientID = "petrel-cli"
        configuration.apiTimeout = .milliseconds(commandTimeoutMs)
        configuration.requestTimeout = .milliseconds(min(commandTimeoutMs, 30_000))
        return configuration
    }
}

/// Runs a client command body: a failure prints one line on stderr and exits with status 1
/// (argument errors are ArgumentParser's: usage and status 64).
func runClientCommand(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        printError("error: \(error)")
        throw ExitCode.failure
    }
}

/// Runs `body` with an admin client that is closed afterwards, reporting failures like `runClientCommand`.
func withAdmin(_ options: ClientOptions, _ body: (KafkaAdmin) async throws -> Void) async throws {
    try await runClientCommand {
        let admin = KafkaAdmin(configuration: try options.clientConfiguration())
        do {
            try await body(admin)
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }
}

/// Writes one line to standard error (through the file descriptor: the C `stderr` global is not
/// concurrency-safe in Swift 6).
func printError(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

/// Parses repeated `key=value` arguments (`--config`, `--set`, `--header`).
func parseKeyValues(_ pairs: [String], option: String) throws -> [(String, String)] {
    try pairs.map { pair in
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            throw ValidationError("\(option) expects key=value, got '\(pair)'")
        }
        return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
    }
}

/// Left-aligned columns separated by spaces, like Kafka's command-line tools print tables.
func formatTable(_ header: [String], _ rows: [[String]]) -> String {
    let widths = header.indices.map { column in
        ([header] + rows).map { $0[column].count }.max() ?? 0
    }
    return ([header] + rows).map { row in
        row.enumerated().map { column, cell in
            column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ")
        }.joined(separator: " ")
    }.joined(separator: "\n")
}

extension String {
    /// The string padded with `pad` to `length` characters (never truncated).
    fileprivate func padding(toLength length: Int, withPad pad: Character) -> String {
        count >= length ? self : self + String(repeating: pad, count: length - count)
    }
}
