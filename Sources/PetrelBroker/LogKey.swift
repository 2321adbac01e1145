import Logging

/// Logger metadata keys used across the broker (bounded set; values are ids, not payloads).
enum LogKey {
    static let connectionID = "petrel_connection_id"
    static let remoteAddress = "petrel_remote_address"
    static let apiKey = "petrel_api_key"
    static let partition = "petrel_partition"
}
