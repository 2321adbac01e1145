/// The spec language of Kafka's message JSON files (`clients/README.md` in the spec folder),
/// decoded as written. Interpretation (default values, Swift types) happens in the emitter.
struct MessageSpec: Decodable, Equatable {
    /// `request`, `response`, `header`, `data` or `metadata`.
    var type: String
    var name: String
    /// The API key for requests and responses; the record type id for metadata records.
    var apiKey: Int16?
    var validVersions: Versions
    var flexibleVersions: Versions
    var deprecatedVersions: Versions?
    /// Versions newer than this are still under development in Kafka (not advertised by default).
    var latestVersionUnstable: Bool?
    /// Which listeners accept the request (`broker`, `controller`, `zkBroker`).
    var listeners: [String]?
    var fields: [FieldSpec]
    /// Struct types referenced by name from several fields.
    var commonStructs: [StructSpec]?
}

struct StructSpec: Decodable, Equatable {
    var name: String
    var versions: Versions
    var fields: [FieldSpec]
}

struct FieldSpec: Decodable, Equatable {
    var name: String
    var type: FieldType
    /// Versions in which the field is present (defaults to `taggedVersions` for tagged fields).
    var versions: Versions
    var nullableVersions: Versions
    var taggedVersions: Versions
    var tag: UInt32?
    var ignorable: Bool
    /// The spec's default, as written (a JSON string, number, bool or null).
    var defaultValue: DefaultValue?
    var entityType: String?
    var mapKey: Bool
    var about: String?
    /// Overrides the message's flexible versions for this field's encoding (RequestHeader.ClientId).
    var flexibleVersions: Versions?
    /// Java reads these bytes without copying; informational here.
    var zeroCopy: Bool
    /// Fields of an inline struct type (`[]Foo` or `Foo` declared here rather than in commonStructs).
    var fields: [FieldSpec]?

    enum CodingKeys: String, CodingKey {
        case name, type, versions, nullableVersions, taggedVersions, tag, ignorable, entityType, mapKey, about
        case flexibleVersions, zeroCopy, fields
        case defaultValue = "default"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        type = try container.decode(FieldType.self, forKey: .type)
        taggedVersions = try container.decodeIfPresent(Versions.self, forKey: .taggedVersions) ?? .none
        guard let versions = try container.decodeIfPresent(Versions.self, forKey: .versions) ?? taggedVersions.nonEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .versions, in: container, debugDescription: "field \(name) has no versions")
        }
        self.versions = versions
        nullableVersions = try container.decodeIfPresent(Versions.self, forKey: .nullableVersions) ?? .none
        // Most files write the tag as a number, a few as a string ("tag": "0").
        if let text = try? container.decodeIfPresent(String.self, forKey: .tag) {
            guard let tag = UInt32(text) else {
                throw DecodingError.dataCorruptedError(forKey: .tag, in: container, debugDescription: "bad tag \(text)")
            }
            self.tag = tag
        } else {
            tag = try container.decodeIfPresent(UInt32.self, forKey: .tag)
        }
        ignorable = try container.decodeIfPresent(Bool.self, forKey: .ignorable) ?? false
        defaultValue = try container.decodeIfPresent(DefaultValue.self, forKey: .defaultValue)
        entityType = try container.decodeIfPresent(String.self, forKey: .entityType)
        mapKey = try container.decodeIfPresent(Bool.self, forKey: .mapKey) ?? false
        about = try container.decodeIfPresent(String.self, forKey: .about)
        flexibleVersions = try container.decodeIfPresent(Versions.self, forKey: .flexibleVersions)
        zeroCopy = try container.decodeIfPresent(Bool.self, forKey: .zeroCopy) ?? false
        fields = try container.decodeIfPresent([FieldSpec].self, forKey: .fields)
    }
}

/// A spec `default`: Kafka writes most as strings ("-1", "0x7fffffff", "null", "true") but some
/// files use bare JSON numbers, booleans or null.
enum DefaultValue: Decodable, Equatable {
    case text(String)
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let text = try? container.decode(String.self) {
            self = text == "null" ? .null : .text(text)
        } else if let bool = try? container.decode(Bool.self) {
            self = .text(bool ? "true" : "false")
        } else {
            self = .text(String(try container.decode(Int64.self)))
        }
    }
}

/// A field type: a primitive, an array (`[]T`) or a struct name.
indirect enum FieldType: Decodable, Equatable {
    case bool, int8, int16, uint16, int32, uint32, int64, float64, string, uuid, bytes, records
    case array(FieldType)
    case structure(String)

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = FieldType(parsing: text)
    }

    init(parsing text: String) {
        if text.hasPrefix("[]") {
            self = .array(FieldType(parsing: String(text.dropFirst(2))))
            return
        }
        switch text {
        case "bool": self = .bool
        case "int8": self = .int8
        case "int16": self = .int16
        case "uint16": self = .uint16
        case "int32": self = .int32
        case "uint32": self = .uint32
        case "int64": self = .int64
        case "float64": self = .float64
        case "string": self = .string
        case "uuid": self = .uuid
        case "bytes": self = .bytes
        case "records": self = .records
        default: self = .structure(text)
        }
    }

    /// Whether the type can hold null when the field's `nullableVersions` says so.
    var canBeNull: Bool {
        switch self {
        case .string, .bytes, .records, .array, .structure: true
        default: false
        }
    }

    var structName: String? {
        switch self {
        case .structure(let name): name
        case .array(let element): element.structName
        default: nil
        }
    }
}

/// A version range from the spec: `"3+"`, `"0-2"`, `"5"` or `"none"`.
struct Versions: Decodable, Equatable, CustomStringConvertible {
    var lowest: Int16
    /// `Int16.max` for an open range (`"3+"`).
    var highest: Int16

    static let none = Versions(lowest: 1, highest: 0)
    static let all = Versions(lowest: 0, highest: .max)

    init(lowest: Int16, highest: Int16) {
        self.lowest = lowest
        self.highest = highest
    }

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = Versions(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad versions \(text)"))
        }
        self = parsed
    }

    init?(parsing text: String) {
        if text == "none" {
            self = .none
        } else if text.hasSuffix("+"), let low = Int16(text.dropLast()) {
            self.init(lowest: low, highest: .max)
        } else if let dash = text.firstIndex(of: "-"), let low = Int16(text[..<dash]),
            let high = Int16(text[text.index(after: dash)...])
        {
            self.init(lowest: low, highest: high)
        } else if let single = Int16(text) {
            self.init(lowest: single, highest: single)
        } else {
            return nil
        }
    }

    var isEmpty: Bool { lowest > highest }
    var nonEmpty: Versions? { isEmpty ? nil : self }

    func contains(_ version: Int16) -> Bool { version >= lowest && version <= highest }

    func intersection(_ other: Versions) -> Versions {
        Versions(lowest: max(lowest, other.lowest), highest: min(highest, other.highest))
    }

    /// Whether every version of `other` is in `self`.
    func covers(_ other: Versions) -> Bool { other.isEmpty || (lowest <= other.lowest && highest >= other.highest) }

    var description: String {
        if isEmpty { return "none" }
        if highest == .max { return "\(lowest)+" }
        return lowest == highest ? "\(lowest)" : "\(lowest)-\(highest)"
    }
}
