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

    @Test func unknownCodesRoundTrip() {
        let future = KafkaErrorCode(rawValue: 999)
        #expect(future.name == "UNKNOWN_ERROR_CODE_999")
        #expect(!future.isRetriable)
        #expect(KafkaErrorCode(rawValue: -2).info == nil)
    }
}
