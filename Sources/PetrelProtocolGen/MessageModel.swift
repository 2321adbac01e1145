/// Stage 2a: a spec resolved for emission — Swift names, types, defaults and the version
/// conditions of every field, with inline and common structs collected per message.
struct MessageModel {
    var spec: MessageSpec
    var swiftName: String
    var validVersions: Versions
    var flexibleVersions: Versions
    var fields: [FieldModel]
    /// Every struct type used by the message, flat (Kafka requires struct names unique per message).
    var structs: [StructModel]

    var hasFlexibleVersions: Bool { !flexibleVersions.intersection(validVersions).isEmpty }

    init(spec: MessageSpec) throws {
        self.spec = spec
        swiftName = spec.name
        validVersions = spec.validVersions
        flexibleVersions = spec.flexibleVersions.intersection(spec.validVersions)
        let common = Dictionary((spec.commonStructs ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var collected: [StructModel] = []
        var seen: Set<String> = []
        fields = try Self.resolve(spec.fields, owner: spec.name, common: common, into: &collected, seen: &seen)
        structs = collected
        computeStructVersions()
    }

    /// Sets each struct's `versions` to the hull of the versions of the fields that hold it (within
    /// their owner's versions), so that nested code tests only what can vary inside the struct.
    /// Iterates to a fixed point because a common struct may be held from several places.
    private mutating func computeStructVersions() {
        var index: [String: Int] = [:]
        for (position, structModel) in structs.enumerated() { index[structModel.name] = position }
        var changed = true
        while changed {
            changed = false
            var owners: [(fields: [FieldModel], context: Versions)] = [(fields, validVersions)]
            owners += structs.filter { !$0.versions.isEmpty }.map { ($0.fields, $0.versions) }
            for owner in owners {
                for field in owner.fields {
                    guard let name = field.spec.type.structName, let position = index[name] else { continue }
                    let reach = field.spec.versions.intersection(owner.context)
                    let current = structs[position].versions
                    let hull = current.isEmpty ? reach : reach.isEmpty ? current
                        : Versions(lowest: min(current.lowest, reach.lowest), highest: max(current.highest, reach.highest))
                    if hull != current {
                        structs[position].versions = hull
                        changed = true
                    }
                }
            }
        }
    }

    private static func resolve(
        _ specs: [FieldSpec], owner: String, common: [String: StructSpec], into structs: inout [StructModel],
        seen: inout Set<String>
    ) throws -> [FieldModel] {
        var tags: Set<UInt32> = []
        var models: [FieldModel] = []
        for field in specs {
            if let tag = field.tag {
                guard tags.insert(tag).inserted else { throw GeneratorError("\(owner).\(field.name): duplicate tag \(tag)") }
                guard field.taggedVersions == field.versions else {
                    throw GeneratorError("\(owner).\(field.name): taggedVersions must equal versions")
                }
            }
            if let structName = field.type.structName, !seen.contains(structName) {
                let nested: [FieldSpec]
                if let inline = field.fields {
                    nested = inline
                } else if let shared = common[structName] {
                    nested = shared.fields
                } else {
                    throw GeneratorError("\(owner).\(field.name): unknown struct \(structName)")
                }
                seen.insert(structName)
                let index = structs.count
                structs.append(StructModel(name: structName, fields: [], versions: .none))
                structs[index].fields = try resolve(nested, owner: structName, common: common, into: &structs, seen: &seen)
            }
            models.append(try FieldModel(spec: field, owner: owner))
        }
        return models
    }
}

struct StructModel {
    var name: String
    var fields: [FieldModel]
    /// The versions in which the struct can appear (see `computeStructVersions`).
    var versions: Versions
}

struct FieldModel {
    var spec: FieldSpec
    /// Swift property name, keyword-escaped where needed.
    var property: String
    /// Swift type without the optional marker.
    var baseType: String
    /// Whether the Swift type is optional (nullable in some version).
    var isOptional: Bool
    /// The Swift expression of the spec default.
    var defaultExpression: String

    var swiftType: String { isOptional ? baseType + "?" : baseType }
    var isTagged: Bool { spec.tag != nil }
    var name: String { spec.name }

    init(spec: FieldSpec, owner: String) throws {
        self.spec = spec
        property = Naming.propertyName(spec.name)
        if !spec.nullableVersions.isEmpty, !spec.type.canBeNull {
            throw GeneratorError("\(owner).\(spec.name): type cannot be nullable")
        }
        isOptional = !spec.nullableVersions.isEmpty
        baseType = try Self.swiftType(spec.type, entityType: spec.entityType, field: "\(owner).\(spec.name)")
        defaultExpression = try Self.defaultExpression(spec, baseType: baseType, optional: isOptional)
    }

    static func swiftType(_ type: FieldType, entityType: String?, field: String) throws -> String {
        if let entityType, case .array(let element) = type {
            return "[" + (try swiftType(element, entityType: entityType, field: field)) + "]"
        }
        if let entityType {
            guard let mapping = EntityTypes.table[entityType] else {
                throw GeneratorError("\(field): unknown entityType \(entityType)")
            }
            guard FieldType(parsing: mapping.specPrimitive) == type else {
                throw GeneratorError("\(field): entityType \(entityType) on \(type)")
            }
            return mapping.swiftType
        }
        switch type {
        case .bool: return "Bool"
        case .int8: return "Int8"
        case .int16: return "Int16"
        case .uint16: return "UInt16"
        case .int32: return "Int32"
        case .uint32: return "UInt32"
        case .int64: return "Int64"
        case .float64: return "Double"
        case .string: return "String"
        case .uuid: return "Uuid"
        case .bytes: return "[UInt8]"
        case .records: return "ByteBuffer"
        case .array(let element): return "[" + (try swiftType(element, entityType: nil, field: field)) + "]"
        case .structure(let name): return name
        }
    }

    /// Kafka's defaults: 0, false, "", empty bytes/arrays, zero UUID, null records; a custom
    /// `default` for numbers, booleans and strings; "null" for nullable fields.
    static func defaultExpression(_ spec: FieldSpec, baseType: String, optional: Bool) throws -> String {
        let field = spec.name
        switch spec.defaultValue {
        case .null:
            guard optional else { throw GeneratorError("\(field): null default on a non-nullable field") }
            return "nil"
        case .text(let text):
            switch spec.type {
            case .int8, .int16, .uint16, .int32, .uint32, .int64:
                guard let value = parseInteger(text) else { throw GeneratorError("\(field): bad default \(text)") }
                return String(value)
            case .bool:
                guard text == "true" || text == "false" else { throw GeneratorError("\(field): bad default \(text)") }
                return text
            case .float64:
                guard let value = Double(text) else { throw GeneratorError("\(field): bad default \(text)") }
                return String(value)
            case .string:
                return stringLiteral(text)
            default:
                throw GeneratorError("\(field): custom default on \(spec.type)")
            }
        case nil:
            switch spec.type {
            case .int8, .int16, .uint16, .int32, .uint32, .int64: return "0"
            case .bool: return "false"
            case .float64: return "0.0"
            case .string: return "\"\""
            case .uuid: return "Uuid.zero"
            case .bytes, .array: return "[]"
            case .records: return optional ? "nil" : "ByteBuffer()"
            case .structure(let name): return "\(name)()"
            }
        }
    }

    static func parseInteger(_ text: String) -> Int64? {
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        let magnitude: Int64?
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            magnitude = Int64(digits.dropFirst(2), radix: 16)
        } else if digits.count > 1, digits.hasPrefix("0") {
            magnitude = Int64(digits.dropFirst(), radix: 8)
        } else {
            magnitude = Int64(digits)
        }
        return magnitude.map { negative ? -$0 : $0 }
    }

    static func stringLiteral(_ text: String) -> String {
        var escaped = ""
        for char in text {
            switch char {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(char)
            }
        }
        return "\"" + escaped + "\""
    }
}

/// Swift conditions on `version` for a spec version range, simplified against what is known to
/// hold in the surrounding code (the message's valid versions, or the versions a field is in).
enum VersionCondition {
    /// nil when `versions` holds for every version in `context`; "false" when for none.
    static func expression(_ versions: Versions, within context: Versions) -> String? {
        let both = versions.intersection(context)
        if both.isEmpty { return "false" }
        if versions.covers(context) { return nil }
        let needLow = both.lowest > context.lowest
        let needHigh = both.highest < context.highest
        if both.lowest == both.highest { return "version == \(both.lowest)" }
        switch (needLow, needHigh) {
        case (true, true): return "version >= \(both.lowest) && version <= \(both.highest)"
        case (true, false): return "version >= \(both.lowest)"
        case (false, true): return "version <= \(both.highest)"
        case (false, false): return nil
        }
    }
}
