import FoundationEssentials
import Testing

@testable import PetrelBroker

@Suite struct BrokerConfigurationTests {
    private func load(_ text: String, overrides: [String] = []) throws -> (BrokerConfiguration, BrokerConfigValues) {
        let values = try BrokerConfigValues(properties: JavaProperties(parsing: text).entries, overrides: overrides)
        return (try BrokerConfiguration(values), values)
    }

    @Test func noSettingsGiveTheEmbeddedDefaults() throws {
        let (config, values) = try load("")
        #expect(config == BrokerConfiguration())
        #expect(values.warnings.isEmpty)
    }

    @Test func everyTableDefaultMatchesTheTypedDefault() throws {
        // The typed structs restate the defaults for readability; they must agree with the table.
        let (config, _) = try load("")
        #expect(config.log.topicDefaults == TopicConfiguration())
    }

    @Test func fileValuesAndOverridesAreTyped() throws {
        let (config, values) = try load(
            """
            node.id=7
            listeners=PLAINTEXT://127.0.0.1:0
            log.dirs=/tmp/a,/tmp/b
            log.retention.hours=24
            auto.create.topics.enable=false
            log.io.engine=sync
            """, overrides: ["node.id=9", "log.segment.index.bytes=4096"])
        #expect(config.nodeID == 9)
        #expect(config.network.listeners == [Listener(name: "PLAINTEXT", host: "127.0.0.1", port: 0)])
        #expect(config.log.dirs == ["/tmp/a", "/tmp/b"])
        #expect(config.log.topicDefaults.retention == .seconds(24 * 3600))
        #expect(config.log.topicDefaults.segmentIndexBytes == 4096)
        #expect(config.topics.autoCreateTopicsEnable == false)
        #expect(config.log.ioEngine == .sync)
        #expect(values.source("node.id") == .staticBrokerConfig)
        #expect(values.source("num.partitions") == .defaultConfig)
    }

    @Test func retentionPrecedenceIsMsThenMinutesThenHours() throws {
        #expect(try load("log.retention.hours=1\nlog.retention.minutes=5").0.log.topicDefaults.retention == .seconds(300))
        #expect(
            try load("log.retention.minutes=5\nlog.retention.ms=1000").0.log.topicDefaults.retention == .seconds(1))
        #expect(try load("log.retention.ms=-1").0.log.topicDefaults.retention == nil)
        #expect(try load("log.retention.hours=-1").0.log.topicDefaults.retention == nil)
    }

    @Test func logDirIsUsedWhenLogDirsIsUnset() throws {
        #expect(try load("log.dir=/var/petrel").0.log.dirs == ["/var/petrel"])
        #expect(try load("log.dir=/x\nlog.dirs=/y").0.log.dirs == ["/y"])
    }

    @Test func unknownKeysWarnAndAreIgnored() throws {
        let (config, values) = try load("no.such.key=1\nretention.ms=5")
        #expect(config == BrokerConfiguration())
        #expect(values.warnings.count == 2)
        #expect(values.warnings[0].contains("no.such.key"))
    }

    @Test(arguments: [
        ("node.id=-1", "node.id"),
        ("num.partitions=0", "num.partitions"),
        ("num.partitions=abc", "num.partitions"),
        ("auto.create.topics.enable=yes", "auto.create.topics.enable"),
        ("log.cleanup.policy=delete,shred", "log.cleanup.policy"),
        ("log.message.timestamp.type=Now", "log.message.timestamp.type"),
        ("listeners=SSL://:9093", "listeners"),
        ("listeners=PLAINTEXT://:99999", "listeners"),
        ("log.io.engine=mmap", "log.io.engine"),
        ("log.cleaner.min.cleanable.ratio=1.5", "log.cleaner.min.cleanable.ratio"),
        ("socket.request.max.bytes=99999999999", "socket.request.max.bytes"),
        ("group.min.session.timeout.ms=10\ngroup.max.session.timeout.ms=5", "group.min.session.timeout.ms"),
    ])
    func badValuesFailNamingTheKey(text: String, key: String) {
        let error = #expect(throws: ConfigError.self) { try load(text) }
        #expect(error?.key == key)
        #expect(error?.description.contains(key) == true)
    }

    @Test func overrideWithoutEqualsIsAnError() {
        #expect(throws: ConfigError.self) { try load("", overrides: ["node.id"]) }
    }

    @Test func topicOverridesSitOnBrokerDefaults() throws {
        let (_, values) = try load("log.retention.hours=2\nlog.segment.bytes=1000")
        let topic = try TopicConfiguration(
            overrides: ["retention.ms": "60000", "cleanup.policy": "compact,delete"], broker: values)
        #expect(topic.retention == .seconds(60))
        #expect(topic.segmentBytes == 1000)
        #expect(topic.cleanupPolicy == [.compact, .delete])
    }

    @Test func badTopicOverridesFailNamingTheKey() throws {
        let values = BrokerConfigValues()
        #expect(throws: ConfigError(key: "no.such", value: "1", reason: "unknown topic configuration")) {
            try TopicConfiguration(overrides: ["no.such": "1"], broker: values)
        }
        let error = #expect(throws: ConfigError.self) {
            try TopicConfiguration(overrides: ["segment.bytes": "-5"], broker: values)
        }
        #expect(error?.key == "segment.bytes")
    }

    @Test func synonymsListExplicitThenDefaultInPrecedenceOrder() throws {
        let (_, values) = try load("log.retention.hours=3")
        let synonyms = values.synonyms(ofTopicKey: "retention.ms")
        #expect(synonyms.map(\.name) == ["log.retention.hours", "log.retention.hours"])
        #expect(synonyms.map(\.source) == [.staticBrokerConfig, .defaultConfig])
        let expected: [ConfigValue] = [.integer(10_800_000), .integer(604_800_000)]
        #expect(synonyms.map(\.value) == expected)
        #expect(values.topicDefault("retention.ms")?.source == .staticBrokerConfig)
    }

    @Test func everyTopicKeyHasABrokerDefault() {
        let values = BrokerConfigValues()
        for definition in ConfigTable.topic {
            #expect(values.topicDefault(definition.name) != nil, "\(definition.name)")
        }
    }

    @Test func readmeContainsTheGeneratedConfigTable() throws {
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appending(path: "README.md"), encoding: .utf8)
        #expect(readme.contains(ConfigDocumentation.markdown()), "run `petrel broker --print-config-docs`")
    }
}
