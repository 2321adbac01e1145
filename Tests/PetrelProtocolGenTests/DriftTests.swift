import Foundation
import Testing

@testable import PetrelProtocolGen

/// The committed generated code must be exactly what the generator produces from the specs, so
/// nobody edits it by hand and a generator change is never committed without its output.
@Suite struct DriftTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let specs = packageRoot.appendingPathComponent("../shared/kafka-protocol").standardizedFileURL
    static let specsPresent = FileManager.default.fileExists(atPath: specs.appendingPathComponent("clients").path)

    @Test(.enabled(if: specsPresent, "needs ../shared/kafka-protocol"))
    func committedGeneratedCodeMatchesTheGenerator() throws {
        let temporary = FileManager.default.temporaryDirectory
            .appendingPathComponent("petrel-drift-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: temporary) }
        let sources = temporary.appendingPathComponent("Sources")
        let tests = temporary.appendingPathComponent("Tests")
        let generator = try Generator(specs: SpecReader.loadAll(specRoot: Self.specs))
        try generator.write(sourcesTo: sources, testSupportTo: tests)

        try Self.expectSameTree(sources, Self.packageRoot.appendingPathComponent("Sources/PetrelProtocol/Generated"))
        try Self.expectSameTree(tests, Self.packageRoot.appendingPathComponent("Tests/PetrelProtocolTests/Generated"))
    }

    private static func swiftFiles(under root: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let prefix = root.standardizedFileURL.path + "/"
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return files }
        for case let url as URL in enumerator where url.pathExtension == "swift" {
            files[String(url.standardizedFileURL.path.dropFirst(prefix.count))] = try Data(contentsOf: url)
        }
        return files
    }

    private static func expectSameTree(_ fresh: URL, _ committed: URL) throws {
        let expected = try swiftFiles(under: fresh)
        let actual = try swiftFiles(under: committed)
        #expect(!expected.isEmpty)
        #expect(Set(actual.keys) == Set(expected.keys), "files differ under \(committed.path); run `make protocol`")
        for (path, data) in expected where actual[path] != data {
            Issue.record("\(path) differs from the generator's output; run `make protocol`")
        }
    }
}

@Suite struct SpecReaderTests {
    @Test func commentsAreStrippedOnlyOutsideStrings() {
        let text = """
            { // first remark
              "about": "see http://kafka.apache.org // not a comment", "x": "a\\"//b" // trailing
            }
            """
        let stripped = SpecReader.stripComments(text)
        #expect(stripped.contains("\"see http://kafka.apache.org // not a comment\""))
        #expect(stripped.contains("\"a\\\"//b\""))
        #expect(!stripped.contains("first remark"))
        #expect(!stripped.contains("trailing"))
    }

    @Test func decodesEveryAttributeOfTheSpecLanguage() throws {
        let json = """
            {
              "apiKey": 99, "type": "request", "name": "ExampleRequest", "validVersions": "0-3",
              "flexibleVersions": "2+", "deprecatedVersions": "0", "latestVersionUnstable": true,
              "listeners": ["broker"],
              "fields": [
                { "name": "TopicId", "type": "uuid", "versions": "1+", "about": "The topic." },
                { "name": "Name", "type": "string", "versions": "0+", "entityType": "topicName",
                  "nullableVersions": "1+", "default": "null", "mapKey": true, "flexibleVersions": "none" },
                { "name": "Epoch", "type": "int32", "versions": "2+", "tag": "0", "taggedVersions": "2+",
                  "ignorable": true, "default": "0x7fffffff" },
                { "name": "Items", "type": "[]Item", "versions": "0+", "fields": [
                  { "name": "Data", "type": "bytes", "versions": "0+", "zeroCopy": true }
                ]},
                { "name": "Shared", "type": "Common", "versions": "3+" }
              ],
              "commonStructs": [ { "name": "Common", "versions": "0+", "fields": [
                { "name": "Flag", "type": "bool", "versions": "0+", "default": false } ] } ]
            }
            """
        let spec = try SpecReader.decode(Data(json.utf8))
        #expect(spec.apiKey == 99)
        #expect(spec.validVersions == Versions(lowest: 0, highest: 3))
        #expect(spec.flexibleVersions == Versions(lowest: 2, highest: .max))
        #expect(spec.deprecatedVersions == Versions(lowest: 0, highest: 0))
        #expect(spec.latestVersionUnstable == true)
        #expect(spec.listeners == ["broker"])
        let name = spec.fields[1]
        #expect(name.entityType == "topicName")
        #expect(name.defaultValue == .null)
        #expect(name.mapKey)
        #expect(name.flexibleVersions == Versions.none)
        #expect(spec.fields[2].tag == 0)
        #expect(spec.fields[2].ignorable)
        #expect(spec.fields[3].fields?.first?.zeroCopy == true)
        #expect(spec.fields[4].type == .structure("Common"))
        #expect(spec.commonStructs?.first?.fields.first?.defaultValue == .text("false"))

        let model = try MessageModel(spec: spec)
        #expect(model.structs.map(\.name) == ["Item", "Common"])
        #expect(model.structs[1].versions == Versions(lowest: 3, highest: 3))
        #expect(model.fields[1].swiftType == "String?")
        #expect(model.fields[1].defaultExpression == "nil")
        #expect(model.fields[2].defaultExpression == "2147483647")
        #expect(model.fields[0].property == "topicID")
    }

    @Test func versionRanges() {
        #expect(Versions(parsing: "3+") == Versions(lowest: 3, highest: .max))
        #expect(Versions(parsing: "1-4") == Versions(lowest: 1, highest: 4))
        #expect(Versions(parsing: "5") == Versions(lowest: 5, highest: 5))
        #expect(Versions(parsing: "none")?.isEmpty == true)
        #expect(Versions(parsing: "x") == nil)
        let valid = Versions(lowest: 0, highest: 9)
        #expect(VersionCondition.expression(Versions(lowest: 0, highest: .max), within: valid) == nil)
        #expect(VersionCondition.expression(Versions(lowest: 3, highest: .max), within: valid) == "version >= 3")
        #expect(VersionCondition.expression(Versions(lowest: 0, highest: 2), within: valid) == "version <= 2")
        #expect(VersionCondition.expression(Versions(lowest: 2, highest: 4), within: valid) == "version >= 2 && version <= 4")
        #expect(VersionCondition.expression(Versions(lowest: 4, highest: 4), within: valid) == "version == 4")
        #expect(VersionCondition.expression(Versions.none, within: valid) == "false")
    }
}
