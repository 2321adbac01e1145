/// Emits test support: `static func arbitrary(version:using:)` for a message and each of its
/// structs, building a random value that is encodable at that version (fields absent from the
/// version stay at their defaults, null only where the version allows it). The property round-trip
/// test draws these from a seeded `SplitMix64`; `unknownTags: false` leaves `unknownTaggedFields`
/// empty, for peers that drop tags they do not know (kafka-python).
struct ArbitraryEmitter {
    let model: MessageModel

    func emit(into out: inout CodeWriter) {
        out.block("extension \(model.swiftName): ArbitraryMessage {") { out in
            emitFunction(model.fields, context: model.validVersions, into: &out)
        }
        for structModel in model.structs {
            out.line()
            out.block("extension \(model.swiftName).\(structModel.name) {") { out in
                emitFunction(structModel.fields, context: structModel.versions, into: &out)
            }
        }
    }

    private func emitFunction(_ fields: [FieldModel], context: Versions, into out: inout CodeWriter) {
        out.block("static func arbitrary(version: Int16, unknownTags: Bool, using rng: inout SplitMix64) -> Self {") { out in
            out.line("\(fields.isEmpty && !model.hasFlexibleVersions ? "let" : "var") value = Self()")
            for field in fields {
                let versions = field.isTagged
                    ? field.spec.taggedVersions.intersection(model.flexibleVersions) : field.spec.versions
                let present = VersionCondition.expression(versions, within: context)
                if present == "false" { continue }
                // Leave a quarter of the fields at their defaults (tagged ones are then not written).
                out.block("if \(present.map { "\($0), " } ?? "")Arbitrary.chance(&rng, 3, in: 4) {") { out in
                    emitAssignment(field, context: versions.intersection(context), into: &out)
                }
            }
            if model.hasFlexibleVersions {
                let flexible = VersionCondition.expression(model.flexibleVersions, within: context)
                let tags = fields.compactMap(\.spec.tag).sorted().map(String.init).joined(separator: ", ")
                let assignment = "value.unknownTaggedFields = Arbitrary.unknownTaggedFields(&rng, knownTags: [\(tags)])"
                if flexible != "false" {
                    out.block("if unknownTags\(flexible.map { ", \($0)" } ?? "") {") { out in out.line(assignment) }
                }
            }
            out.line("return value")
        }
    }

    private func emitAssignment(_ field: FieldModel, context: Versions, into out: inout CodeWriter) {
        let target = "value.\(field.property)"
        let nonNull = expression(field.spec.type, field: field)
        guard field.isOptional else {
            out.line("\(target) = \(nonNull)")
            return
        }
        let nullable = VersionCondition.expression(field.spec.nullableVersions, within: context)
        if nullable == "false" {
            out.line("\(target) = \(nonNull)")
            return
        }
        out.ifElse("\(nullable.map { "\($0), " } ?? "")Arbitrary.chance(&rng, 1, in: 4)") { out in
            out.line("\(target) = nil")
        } else: { out in
            out.line("\(target) = \(nonNull)")
        }
    }

    private func expression(_ type: FieldType, field: FieldModel) -> String {
        switch type {
        case .bool: "Arbitrary.bool(&rng)"
        case .int8: "Arbitrary.int8(&rng)"
        case .int16: "Arbitrary.int16(&rng)"
        case .uint16: "Arbitrary.uint16(&rng)"
        case .int32: "Arbitrary.int32(&rng)"
        case .uint32: "Arbitrary.uint32(&rng)"
        case .int64: "Arbitrary.int64(&rng)"
        case .float64: "Arbitrary.float64(&rng)"
        case .uuid: "Arbitrary.uuid(&rng)"
        case .string: "Arbitrary.string(&rng)"
        case .bytes: "Arbitrary.bytes(&rng)"
        case .records: "Arbitrary.records(&rng)"
        case .structure(let name): "\(model.swiftName).\(name).arbitrary(version: version, unknownTags: unknownTags, using: &rng)"
        case .array(let element):
            "Arbitrary.array(&rng) { (rng: inout SplitMix64) in \(expression(element, field: field)) }"
        }
    }
}
