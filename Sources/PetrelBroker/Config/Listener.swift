/// One `listeners` / `advertised.listeners` entry: `NAME://host:port`. An empty host means all
/// interfaces (or, when advertised, this machine's host name); IPv6 hosts are bracketed.
public struct Listener: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var host: String
    public var port: Int

    public init(name: String, host: String, port: Int) {
        self.name = name
        self.host = host
        self.port = port
    }

    public struct ParseError: Error, Hashable, Sendable {
        public var reason: String
    }

    /// Security protocols Petrel serves.
    static let supportedProtocols: Set<String> = ["PLAINTEXT"]

    public static func parse(_ text: String) -> Result<Listener, ParseError> {
        guard let separator = text.firstRange(of: "://") else {
            return .failure(ParseError(reason: "listener '\(text)' is not NAME://host:port"))
        }
        let name = String(text[..<separator.lowerBound])
        guard supportedProtocols.contains(name) else {
            return .failure(ParseError(reason: "listener '\(text)': only PLAINTEXT is supported"))
        }
        let address = text[separator.upperBound...]
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            return .failure(ParseError(reason: "listener '\(text)' has no valid port"))
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return .success(Listener(name: name, host: host, port: port))
    }

    public var description: String {
        "\(name)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}
