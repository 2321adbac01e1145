/// Kafka's internal topics: written only by the broker's coordinators. Clients may read them but not
/// produce to, delete, or delete records of them (INVALID_TOPIC_EXCEPTION, as Kafka answers).
enum InternalTopics {
    static let consumerOffsets = "__consumer_offsets"
    static let transactionState = "__transaction_state"

    static func contains(_ topic: String) -> Bool {
        topic == consumerOffsets || topic == transactionState
    }
}
