/// One API's header-version rule, computed from its request and response specs.
struct HeaderRule {
    var api: String
    var key: Int16
    var request: MessageSpec
    var response: MessageSpec

    /// The request header version as a Swift expression of `apiVersion`. Flexible requests use
    /// header v2 (tagged fields), others v1. Quirk (Kafka's ApiMessageTypeGenerator): ControlledShutdown
    /// v0 predates the client id and uses header v0.
    var requestHeaderExpression: String {
        let regular = Self.flexibleChoice(request.flexibleVersions, flexible: 2, rigid: 1)
        if api == "ControlledShutdown" { return "apiVersion == 0 ? 0 : " + regular }
        return regular
    }

    /// The response header version. Flexible responses use header v1, others v0. Quirk: ApiVersions
    /// responses always use v0, because a client that sent a version the broker does not know must
    /// still be able to read the error in the response.
    var responseHeaderExpression: String {
        if api == "ApiVersions" { return "0" }
        return Self.flexibleChoice(response.flexibleVersions, flexible: 1, rigid: 0)
    }

    private static func flexibleChoice(_ flexible: Versions, flexible flexibleHeader: Int, rigid: Int) -> String {
        if flexible.isEmpty { return "\(rigid)" }
        if flexible.lowest == 0 { return "\(flexibleHeader)" }
        return "apiVersion >= \(flexible.lowest) ? \(flexibleHeader) : \(rigid)"
    }
}

/// Emits the registries: ApiKey's static members and type table, header-version helpers, the
/// metadata record type table, and the test-support list of every message type.
enum RegistryEmitter {
    static func apiKeys(_ apis: [(key: Int16, name: String)], headerRules: [HeaderRule], specFiles: String) -> String {
        var out = CodeWriter()
        out.block("extension ApiKey {") { out in
            for api in apis {
                out.line("@inlinable public static var \(Naming.propertyName(api.name)): ApiKey { ApiKey(\(api.key)) }")
            }
            out.line()
            out.doc("Every API key this build knows: its Kafka name and request type (whose `Response` is the response type).")
            out.block("static let registry: [ApiKey: Entry] = [", closing: "]") { out in
                for api in apis {
                    out.line(".\(Naming.plainPropertyName(api.name)): Entry(name: \"\(api.name)\", request: \(api.name)Request.self),")
                }
            }
        }
        let rules = headerRules.sorted { $0.key < $1.key }
        out.line()
        out.doc("The request header version (0-2) for a request of `apiKey` at `apiVersion`, or nil for an unknown key. Flexible request versions use header v2; ControlledShutdown v0 uses v0.")
        out.block("public func requestHeaderVersion(apiKey: ApiKey, apiVersion: Int16) -> Int16? {") { out in
            out.block("switch apiKey.rawValue {") { out in
                for rule in rules { out.line("case \(rule.key): \(rule.requestHeaderExpression)  // \(rule.api)") }
                out.line("default: nil")
            }
        }
        out.line()
        out.doc("The response header version (0-1) for a response of `apiKey` at `apiVersion`, or nil for an unknown key. Flexible response versions use header v1, except ApiVersions, which always uses v0.")
        out.block("public func responseHeaderVersion(apiKey: ApiKey, apiVersion: Int16) -> Int16? {") { out in
            out.block("switch apiKey.rawValue {") { out in
                for rule in rules { out.line("case \(rule.key): \(rule.responseHeaderExpression)  // \(rule.api)") }
                out.line("default: nil")
            }
        }
        return Generator.fileHeader([specFiles]) + "\n" + out.text
    }

    static func metadataRecords(_ records: [(key: Int16, name: String)]) -> String {
        var out = CodeWriter()
        out.doc("The KRaft metadata record types by record type id (the `apiKey` of `metadata/*.json`), for decoding the metadata log.")
        out.block("public enum MetadataRecordTypes {") { out in
            out.block("public static let all: [Int16: any KafkaMetadataRecord.Type] = [", closing: "]") { out in
                for record in records { out.line("\(record.key): \(record.name).self,") }
            }
        }
        return Generator.fileHeader(["metadata/*.json"]) + "\n" + out.text
    }

    static func allMessages(types: [String]) -> String {
        var out = CodeWriter()
        out.line("import PetrelProtocol")
        out.line()
        out.doc("Every generated top-level message type, for the property round-trip test.")
        out.block("let allGeneratedMessageTypes: [any ArbitraryMessage.Type] = [", closing: "]") { out in
            for type in types { out.line("\(type).self,") }
        }
        return Generator.fileHeader(["every spec"]) + "\n" + out.text
    }
}
