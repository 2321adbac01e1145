import Testing

@testable import PetrelProtocolGen

@Suite struct NamingTests {
    @Test func idWordBecomesID() {
        #expect(Naming.propertyName("TopicId") == "topicID")
        #expect(Naming.propertyName("ProducerId") == "producerID")
        #expect(Naming.propertyName("MemberId") == "memberID")
        #expect(Naming.propertyName("BrokerIds") == "brokerIDs")
        #expect(Naming.propertyName("ProducerIdStart") == "producerIDStart")
        #expect(Naming.propertyName("V3AndBelowProducerId") == "v3AndBelowProducerID")
        #expect(Naming.propertyName("Id") == "id")
    }

    @Test func otherWordsKeepTheirCase() {
        #expect(Naming.propertyName("ErrorCode") == "errorCode")
        #expect(Naming.propertyName("MemberIdentity") == "memberIdentity")
        #expect(Naming.propertyName("KRaftVersion") == "kRaftVersion")
        #expect(Naming.propertyName("Isr") == "isr")
        #expect(Naming.propertyName("isKRaftController") == "isKRaftController")
    }

    @Test func keywordsAreEscaped() {
        #expect(Naming.propertyName("protocol") == "`protocol`")
        #expect(Naming.plainPropertyName("protocol") == "protocol")
        #expect(Naming.propertyName("Type") == "type")
    }
}
