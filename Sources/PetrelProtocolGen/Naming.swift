/// Swift names for spec names.
enum Naming {
    /// A spec field or API name as a Swift property name: lowerCamelCase, with the `Id` word spelled
    /// `ID` as Swift's API guidelines ask (`TopicId` -> `topicID`, `BrokerIds` -> `brokerIDs`,
    /// `Id` -> `id`), and Swift keywords escaped (`protocol` -> `` `protocol` ``).
    static func propertyName(_ specName: String) -> String {
        let name = lowercasingFirstWord(replacingIdWord(specName))
        return keywords.contains(name) ? "`\(name)`" : name
    }

    /// The property name without keyword escaping, for use after `.` or as a label.
    static func plainPropertyName(_ specName: String) -> String {
        lowercasingFirstWord(replacingIdWord(specName))
    }

    /// `Id` as a whole word (followed by an upper-case letter, `s` + end/upper, or the end, and not
    /// starting the name) becomes `ID`; `Identity` or `Idle` stay as they are.
    static func replacingIdWord(_ name: String) -> String {
        let chars = Array(name)
        var result = ""
        var index = 0
        while index < chars.count {
            if index > 0, chars[index] == "I", index + 1 < chars.count, chars[index + 1] == "d",
                chars[index - 1].isLowercase || chars[index - 1].isNumber
            {
                let after = index + 2
                let endsWord = after == chars.count || chars[after].isUppercase
                let pluralEndsWord = after < chars.count && chars[after] == "s"
                    && (after + 1 == chars.count || chars[after + 1].isUppercase)
                if endsWord || pluralEndsWord {
                    result += "ID"
                    index += 2
                    continue
                }
            }
            result.append(chars[index])
            index += 1
        }
        return result
    }

    /// Lower-cases the first character (`ErrorCode` -> `errorCode`, `KRaftVersion` -> `kRaftVersion`).
    private static func lowercasingFirstWord(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.lowercased() + name.dropFirst()
    }

    /// Swift keywords that cannot be used as bare property names.
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "open", "operator", "private", "protocol", "public", "rethrows", "static",
        "struct", "subscript", "typealias", "var", "break", "case", "continue", "default", "defer", "do",
        "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "switch", "where", "while",
        "as", "catch", "false", "is", "nil", "super", "self", "Self", "throw", "throws", "true", "try", "Any",
    ]
}
