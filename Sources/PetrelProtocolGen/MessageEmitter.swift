/// Stage 2b: emits the Swift value type for one message: properties with spec defaults, an
/// encoder and a decoder per version (straight-line code, no generics, to keep builds fast), and
/// every struct it uses as a nested type.
struct MessageEmitter {
    let model: MessageModel

    /// The conformance line's protocols and the static members that go with them.
    struct Role {
        var conformance: String
        var statics: [String]
    }

    func emit(into out: inout CodeWriter, role: Role, typeDoc: String) {
        out.doc(typeDoc)
        out.block("public struct \(model.swiftName): \(role.conformance) {") { out in
            // Statics are computed and inlinable, not `static let`: a stored static is a lazily
            // initialized global whose accessor lives beside the message's code, so reading every
            // handler's `apiKey` at start faulted in the pages of every message type (idle RSS).
            for line in role.statics { out.line(line) }
            out.line("@inlinable public static var versions: ClosedRange<Int16> { \(model.validVersions.lowest)...\(model.validVersions.highest) }")
            let flexible = model.hasFlexibleVersions ? "\(model.flexibleVersions.lowest)" : "nil"
            out.line("@inlinable public static var firstFlexibleVersion: Int16? { \(flexible) }")
            out.line()
            emitBody(model.fields, typeName: model.swiftName, topLevel: true, context: model.validVersions, into: &out)
            for structModel in model.structs {
                out.line()
                out.block("public struct \(structModel.name): Hashable, Sendable {") { out in
                    emitBody(structModel.fields, typeName: structModel.name, topLevel: false, context: structModel.versions, into: &out)
                }
            }
        }
    }

    /// The `flexible` constant's value in code that runs for `context` versions; nil when none of
    /// them is flexible (no constant, non-compact encodings, no tagged-fields section).
    private func flexibleExpression(_ context: Versions) -> String? {
        guard model.hasFlexibleVersions else { return nil }
        let expression = VersionCondition.expression(model.flexibleVersions, within: context) ?? "true"
        return expression == "false" ? nil : expression
    }

    private func emitBody(_ fields: [FieldModel], typeName: String, topLevel: Bool, context: Versions, into out: inout CodeWriter) {
        for field in fields {
            out.doc(fieldDoc(field))
            out.line("public var \(field.property): \(field.swiftType) = \(field.defaultExpression)")
        }
        if model.hasFlexibleVersions {
            out.doc("Tagged fields this build does not know, kept for a byte-exact round trip.")
            out.line("public var unknownTaggedFields: [TaggedField] = []")
        }
        out.line()
        out.line("public init() {}")
        out.line()
        emitEncode(fields, typeName: typeName, topLevel: topLevel, context: context, into: &out)
        out.line()
        emitDecode(fields, typeName: typeName, topLevel: topLevel, context: context, into: &out)
    }

    private func fieldDoc(_ field: FieldModel) -> String {
        var parts: [String] = []
        if let about = field.spec.about, !about.isEmpty { parts.append(about.hasSuffix(".") ? about : about + ".") }
        var facts = "Versions \(field.spec.versions)"
        if !field.spec.nullableVersions.isEmpty { facts += ", nullable \(field.spec.nullableVersions)" }
        if let tag = field.spec.tag { facts += ", tagged (tag \(tag))" }
        if field.spec.ignorable { facts += ", ignorable" }
        if let entity = field.spec.entityType { facts += ", entity \(entity)" }
        if field.spec.mapKey { facts += ", map key" }
        if let flexible = field.spec.flexibleVersions { facts += ", flexible \(flexible)" }
        parts.append(facts + ".")
        return parts.joined(separator: " ")
    }

    // MARK: - Encode

    private func emitEncode(_ fields: [FieldModel], typeName: String, topLevel: Bool, context: Versions, into out: inout CodeWriter) {
        out.block("public func encode(into writer: inout KafkaWriter, version: Int16) throws(KafkaCodecError) {") { out in
            if topLevel {
                out.block("guard Self.versions.contains(version) else {") { out in
                    out.line("throw .unsupportedVersion(\"\(typeName)\", version: version)")
                }
            }
            if let flexible = flexibleExpression(context) { out.line("let flexible = \(flexible)") }
            for field in fields where !field.isTagged {
                emitEncodeField(field, context: context, into: &out)
            }
            for field in fields where field.isTagged && !field.spec.ignorable {
                // A tagged field can only be written in flexible versions that have it.
                let present = VersionCondition.expression(presentTaggedVersions(field), within: context)
                if let present {
                    out.block("if !(\(present)) && self.\(field.property) != \(field.defaultExpression) {") { out in
                        out.line("throw .fieldNotInVersion(\"\(field.name)\", version: version)")
                    }
                }
            }
            guard flexibleExpression(context) != nil else { return }
            out.block("if flexible {") { out in
                let tagged = fields.filter(\.isTagged).sorted { ($0.spec.tag ?? 0) < ($1.spec.tag ?? 0) }
                guard !tagged.isEmpty else {
                    out.line("try writer.writeTaggedFields(known: [], unknown: self.unknownTaggedFields)")
                    return
                }
                out.line("var taggedFields: [TaggedField] = []")
                for field in tagged {
                    var condition = "self.\(field.property) != \(field.defaultExpression)"
                    if let present = VersionCondition.expression(field.spec.taggedVersions, within: model.flexibleVersions.intersection(context)) {
                        condition = "\(present) && " + condition
                    }
                    out.block("if \(condition) {") { out in
                        out.line("var tagged = KafkaWriter()")
                        emitWrite(field, value: "self.\(field.property)", writer: "tagged", compact: "true",
                                  nullableContext: field.spec.taggedVersions, into: &out)
                        out.line("taggedFields.append(TaggedField(tag: \(field.spec.tag ?? 0), data: tagged.buffer))")
                    }
                }
                out.line("try writer.writeTaggedFields(known: taggedFields, unknown: self.unknownTaggedFields)")
            }
        }
    }

    private func presentTaggedVersions(_ field: FieldModel) -> Versions {
        field.spec.taggedVersions.intersection(model.flexibleVersions)
    }

    private func compactExpression(_ field: FieldModel, context: Versions) -> String {
        if let own = field.spec.flexibleVersions {
            return VersionCondition.expression(own.intersection(model.flexibleVersions), within: context) ?? "true"
        }
        return flexibleExpression(context) != nil ? "flexible" : "false"
    }

    private func emitEncodeField(_ field: FieldModel, context: Versions, into out: inout CodeWriter) {
        let present = VersionCondition.expression(field.spec.versions, within: context)
        let write: (inout CodeWriter) -> Void = { out in
            emitWrite(field, value: "self.\(field.property)", writer: "writer", compact: compactExpression(field, context: context),
                      nullableContext: field.spec.versions.intersection(context), into: &out)
        }
        guard let present else { return write(&out) }
        if present == "false" {
            if !field.spec.ignorable {
                out.block("if self.\(field.property) != \(field.defaultExpression) {") { out in
                    out.line("throw .fieldNotInVersion(\"\(field.name)\", version: version)")
                }
            }
            return
        }
        guard !field.spec.ignorable else {
            out.block("if \(present) {") { out in write(&out) }
            return
        }
        out.line("if \(present) {")
        out.indent { out in write(&out) }
        out.line("} else if self.\(field.property) != \(field.defaultExpression) {")
        out.line("    throw .fieldNotInVersion(\"\(field.name)\", version: version)")
        out.line("}")
    }

    /// Writes one field's value; `nullableContext` is the versions in which this code runs.
    private func emitWrite(
        _ field: FieldModel, value: String, writer: String, compact: String, nullableContext: Versions,
        into out: inout CodeWriter
    ) {
        let name = "\"\(field.name)\""
        if field.isOptional, let notNullable = notNullableCondition(field, within: nullableContext) {
            out.block("if \(notNullable)\(value) == nil {") { out in
                out.line("throw .nullNotAllowed(\(name), version: version)")
            }
        }
        switch field.spec.type {
        case .array(let element):
            if field.isOptional {
                out.line("try \(writer).writeNullableArrayCount(\(value)?.count, compact: \(compact), field: \(name))")
                out.block("for element in \(value) ?? [] {") { out in
                    emitWriteScalar(element, value: "element", writer: writer, compact: compact, name: name, into: &out)
                }
            } else {
                out.line("try \(writer).writeArrayCount(\(value).count, compact: \(compact), field: \(name))")
                out.block("for element in \(value) {") { out in
                    emitWriteScalar(element, value: "element", writer: writer, compact: compact, name: name, into: &out)
                }
            }
        case .structure where field.isOptional:
            out.ifElse("let present = \(value)") { out in
                out.line("\(writer).writeInt8(1)")
                out.line("try present.encode(into: &\(writer), version: version)")
            } else: { out in
                out.line("\(writer).writeInt8(-1)")
            }
        case .string where field.isOptional:
            out.line("try \(writer).writeNullableString(\(value), compact: \(compact), field: \(name))")
        case .bytes where field.isOptional:
            out.line("try \(writer).writeNullableBytes(\(value), compact: \(compact), field: \(name))")
        case .records where field.isOptional:
            out.line("try \(writer).writeNullableRecords(\(value), compact: \(compact), field: \(name))")
        default:
            emitWriteScalar(field.spec.type, value: value, writer: writer, compact: compact, name: name, into: &out)
        }
    }

    /// `"version >= 3 && "`-style prefix for the versions in `context` where the field is not
    /// nullable, or nil if it is nullable in all of them.
    private func notNullableCondition(_ field: FieldModel, within context: Versions) -> String? {
        guard let nullable = VersionCondition.expression(field.spec.nullableVersions, within: context) else { return nil }
        return nullable == "false" ? "" : "!(\(nullable)) && "
    }

    private func emitWriteScalar(_ type: FieldType, value: String, writer: String, compact: String, name: String, into out: inout CodeWriter) {
        switch type {
        case .bool: out.line("\(writer).writeBool(\(value))")
        case .int8: out.line("\(writer).writeInt8(\(value))")
        case .int16: out.line("\(writer).writeInt16(\(value))")
        case .uint16: out.line("\(writer).writeUInt16(\(value))")
        case .int32: out.line("\(writer).writeInt32(\(value))")
        case .uint32: out.line("\(writer).writeUInt32(\(value))")
        case .int64: out.line("\(writer).writeInt64(\(value))")
        case .float64: out.line("\(writer).writeFloat64(\(value))")
        case .uuid: out.line("\(writer).writeUuid(\(value))")
        case .string: out.line("try \(writer).writeString(\(value), compact: \(compact), field: \(name))")
        case .bytes: out.line("try \(writer).writeBytes(\(value), compact: \(compact), field: \(name))")
        case .records: out.line("try \(writer).writeRecords(\(value), compact: \(compact), field: \(name))")
        case .structure: out.line("try \(value).encode(into: &\(writer), version: version)")
        case .array: preconditionFailure("arrays of arrays do not occur in Kafka specs")
        }
    }

    // MARK: - Decode

    private func emitDecode(_ fields: [FieldModel], typeName: String, topLevel: Bool, context: Versions, into out: inout CodeWriter) {
        out.block("public init(from reader: inout KafkaReader, version: Int16) throws(KafkaCodecError) {") { out in
            if topLevel {
                out.block("guard Self.versions.contains(version) else {") { out in
                    out.line("throw .unsupportedVersion(\"\(typeName)\", version: version)")
                }
            }
            out.line("self.init()")
            if let flexible = flexibleExpression(context) { out.line("let flexible = \(flexible)") }
            for field in fields where !field.isTagged {
                let present = VersionCondition.expression(field.spec.versions, within: context)
                if present == "false" { continue }
                let read: (inout CodeWriter) -> Void = { out in
                    emitRead(field, target: "self.\(field.property)", reader: "reader", compact: compactExpression(field, context: context),
                             nullableContext: field.spec.versions.intersection(context), into: &out)
                }
                if let present {
                    out.block("if \(present) {") { out in read(&out) }
                } else {
                    read(&out)
                }
            }
            guard flexibleExpression(context) != nil else { return }
            out.block("if flexible {") { out in
                out.line("let taggedCount = try reader.readTaggedFieldCount()")
                out.block("for _ in 0..<taggedCount {") { out in
                    out.line("let taggedField = try reader.readTaggedField()")
                    let tagged = fields.filter(\.isTagged).sorted { ($0.spec.tag ?? 0) < ($1.spec.tag ?? 0) }
                    let keep = "self.unknownTaggedFields.append(TaggedField(tag: taggedField.tag, data: taggedField.reader.buffer))"
                    if tagged.isEmpty {
                        out.line(keep)
                        return
                    }
                    out.line("switch taggedField.tag {")
                    let context = model.flexibleVersions.intersection(context)
                    for field in tagged {
                        let present = VersionCondition.expression(field.spec.taggedVersions, within: context)
                        out.line("case \(field.spec.tag ?? 0)\(present.map { " where \($0)" } ?? ""):")
                        out.indent { out in
                            out.line("var tagged = taggedField.reader")
                            emitRead(field, target: "self.\(field.property)", reader: "tagged", compact: "true",
                                     nullableContext: field.spec.taggedVersions, into: &out)
                        }
                    }
                    out.line("default:")
                    out.line("    " + keep)
                    out.line("}")
                }
            }
        }
    }

    private func emitRead(
        _ field: FieldModel, target: String, reader: String, compact: String, nullableContext: Versions,
        into out: inout CodeWriter
    ) {
        let name = "\"\(field.name)\""
        // nil: nullable in every version here; "false": in none; otherwise the condition.
        let nullable: String? = field.isOptional
            ? VersionCondition.expression(field.spec.nullableVersions, within: nullableContext) : "false"
        switch field.spec.type {
        case .array(let element):
            let countExpression: String
            switch nullable {
            case nil:
                countExpression = "let count = try \(reader).readNullableArrayCount(\(name), compact: \(compact))"
            case "false":
                countExpression = "let count: Int? = try \(reader).readArrayCount(\(name), compact: \(compact))"
            case let condition?:
                countExpression = "let count: Int? = if \(condition) { try \(reader).readNullableArrayCount(\(name), compact: \(compact)) } else { try \(reader).readArrayCount(\(name), compact: \(compact)) }"
            }
            if !field.isOptional {
                out.block("do {") { out in
                    out.line("let count = try \(reader).readArrayCount(\(name), compact: \(compact))")
                    emitReadElements(element, field: field, target: target, reader: reader, compact: compact, into: &out)
                }
                return
            }
            out.block("do {") { out in
                out.line(countExpression)
                out.ifElse("let count") { out in
                    emitReadElements(element, field: field, target: target, reader: reader, compact: compact, into: &out)
                } else: { out in
                    out.line("\(target) = nil")
                }
            }
        case .structure(let structName) where field.isOptional:
            let marker = nullable == nil ? "" : "\(nullable ?? ""), "
            if nullable == "false" {
                out.line("\(target) = try \(structName)(from: &\(reader), version: version)")
            } else {
                out.ifElse("\(marker)try \(reader).readInt8(\(name)) < 0") { out in
                    out.line("\(target) = nil")
                } else: { out in
                    out.line("\(target) = try \(structName)(from: &\(reader), version: version)")
                }
            }
        case .string, .bytes, .records:
            let method: String
            switch field.spec.type {
            case .string: method = "String"
            case .bytes: method = "Bytes"
            default: method = "Records"
            }
            switch nullable {
            case nil:
                out.line("\(target) = try \(reader).readNullable\(method)(\(name), compact: \(compact))")
            case "false":
                out.line("\(target) = try \(reader).read\(method)(\(name), compact: \(compact))")
            case let condition?:
                out.line("\(target) = if \(condition) { try \(reader).readNullable\(method)(\(name), compact: \(compact)) } else { try \(reader).read\(method)(\(name), compact: \(compact)) }")
            }
        default:
            out.line("\(target) = \(readScalar(field.spec.type, reader: reader, compact: compact, name: name))")
        }
    }

    private func emitReadElements(
        _ element: FieldType, field: FieldModel, target: String, reader: String, compact: String, into out: inout CodeWriter
    ) {
        let elementType = String(field.baseType.dropFirst().dropLast())
        out.line("var items: [\(elementType)] = []")
        out.line("items.reserveCapacity(count)")
        out.block("for _ in 0..<count {") { out in
            out.line("items.append(\(readScalar(element, reader: reader, compact: compact, name: "\"\(field.name)\"")))")
        }
        out.line("\(target) = items")
    }

    private func readScalar(_ type: FieldType, reader: String, compact: String, name: String) -> String {
        switch type {
        case .bool: "try \(reader).readBool(\(name))"
        case .int8: "try \(reader).readInt8(\(name))"
        case .int16: "try \(reader).readInt16(\(name))"
        case .uint16: "try \(reader).readUInt16(\(name))"
        case .int32: "try \(reader).readInt32(\(name))"
        case .uint32: "try \(reader).readUInt32(\(name))"
        case .int64: "try \(reader).readInt64(\(name))"
        case .float64: "try \(reader).readFloat64(\(name))"
        case .uuid: "try \(reader).readUuid(\(name))"
        case .string: "try \(reader).readString(\(name), compact: \(compact))"
        case .bytes: "try \(reader).readBytes(\(name), compact: \(compact))"
        case .records: "try \(reader).readRecords(\(name), compact: \(compact))"
        case .structure(let structName): "try \(structName)(from: &\(reader), version: version)"
        case .array: preconditionFailure("arrays of arrays do not occur in Kafka specs")
        }
    }
}
