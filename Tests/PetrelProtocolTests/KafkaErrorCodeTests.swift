import PetrelProtocol
import Testing

@Suite struct KafkaErrorCodeTests {
    @Test func tableIsContiguousAndNamesAreUnique() {
        let table = KafkaErrorCode.table
        #expect(table.first?.code == -1)
        #expect(table.count >= 130)
        for (index, info) in table.enumerated() {
            #expect(Int(info.code) == index - 1)
        }
        #expect(Set(table.map(\.name)).count == table.count)
    }

    @Test func knownCodes() {
        #expect(KafkaErrorCode.none.rawValue == 0)
        #expect(KafkaErrorCode.unknownServerError.name == "UNKNOWN_SERVER_ERROR")
        #expect(KafkaErrorCode.notCoordinator.rawValue == 16)
        #expect(KafkaErrorCode.notCoordinator.isRetriable)
        #expect(KafkaErrorCode.notLeaderOrFollower.isRetriable)
        #expect(!KafkaErrorCode.topicAlreadyExists.isRetriable)
        #expect(KafkaErrorCode.topicAlreadyExists.message == "Topic with this name already exists.")
        #expect(KafkaErrorCode.unknownTopicID.rawValue == 100)
        #expect(KafkaErrorCode.invalidProducerIDMapping.rawValue == 49)
        #expect(KafkaErrorCode.rebootstrapRequired.rawValue == 129)
    }

    /// The retriable codes are exactly those whose exception in Kafka 4.1's `Errors.java` extends
    /// `RetriableException`, directly or through `RefreshRetriableException` / `InvalidMetadataException`
    /// (CONCURRENT_TRANSACTIONS included: its exception has been retriable since Kafka 3.x).
    @Test func retriableCodesMatchKafkasExceptionHierarchy() {
        let retriable: Set<Int16> = [
            2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75, 78, 80, 83, 84, 88, 89,
            100, 103, 106, 122, 123, 133,
        ]
        for info in KafkaErrorCode.table {
            #expect(info.retriable == retriable.contains(info.code), "\(info.name)(\(info.code))")
        }
    }

    @Test func unknownCodesRoundTrip() {
        let future = KafkaErrorCode(rawValue: 999)
        #expect(future.name == "UNKNOWN_ERROR_CODE_999")
        #expect(!future.isRetriable)
        #expect(KafkaErrorCode(rawValue: -2).info == nil)
    }
}
