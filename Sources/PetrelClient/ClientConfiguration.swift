/// Settings shared by the producer, consumer and admin client; names follow the Java client's keys.
public struct ClientConfiguration: Sendable {
    /// `bootstrap.servers`: brokers tried in order until one answers; the rest come from Metadata.
    public var bootstrapServers: [BrokerAddress]
    /// `client.id`: sent in every request header (broker logs and quotas).
    public var clientID = "petrel"
    /// `request.timeout.ms`: a request without a response by then fails (and is retried if retriable).
    public var requestTimeout: Duration = .seconds(30)
    /// `socket.connection.setup.timeout.ms`.
    public var connectTimeout: Duration = .seconds(10)
    /// `retry.backoff.ms`: pause before retrying after a retriable error (metadata is refreshed first).
    public var retryBackoff: Duration = .milliseconds(100)
    /// `retry.backoff.max.ms`: the backoff doubles per attempt up to this.
    public var retryBackoffMax: Duration = .seconds(1)
    /// `metadata.max.age.ms`: cached metadata older than this is refreshed before use.
    public var metadataMaxAge: Duration = .seconds(300)
    /// `default.api.timeout.ms`: how long an operation may keep retrying before failing.
    public var apiTimeout: Duration = .seconds(60)
    /// Largest response frame accepted (`fetch.max.bytes` plus headroom); bigger frames close the connection.
    public var maxResponseBytes = 128 * 1024 * 1024

    public init(bootstrapServers: [BrokerAddress]) {
        self.bootstrapServers = bootstrapServers
    }

    /// The backoff before retry number `attempt` (1-based): exponential from `retryBackoff`, capped.
    func backoff(attempt: Int) -> Duration {
        var delay = retryBackoff
        for _ in 1..<max(attempt, 1) where delay < retryBackoffMax { delay *= 2 }
        return min(delay, retryBackoffMax)
    }
}
