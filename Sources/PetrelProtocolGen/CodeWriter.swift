/// Accumulates generated Swift source with four-space indentation.
struct CodeWriter {
    private(set) var text = ""
    private var depth = 0

    mutating func line(_ content: String = "") {
        if content.isEmpty {
            text += "\n"
        } else {
            text += String(repeating: "    ", count: depth) + content + "\n"
        }
    }

    /// Writes `opening`, the body one level deeper, then `closing`.
    mutating func block(_ opening: String, closing: String = "}", _ body: (inout CodeWriter) throws -> Void) rethrows {
        line(opening)
        depth += 1
        try body(&self)
        depth -= 1
        line(closing)
    }

    /// The body one level deeper, with no lines around it (a `case` body).
    mutating func indent(_ body: (inout CodeWriter) -> Void) {
        depth += 1
        body(&self)
        depth -= 1
    }

    /// `if <condition> { ... } else { ... }`.
    mutating func ifElse(_ condition: String, _ then: (inout CodeWriter) -> Void, else otherwise: (inout CodeWriter) -> Void) {
        line("if \(condition) {")
        indent(then)
        line("} else {")
        indent(otherwise)
        line("}")
    }

    /// `///` comment lines, wrapped at about 110 columns.
    mutating func doc(_ text: String) {
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if !current.isEmpty, current.count + word.count + 1 > 100 {
                line("/// " + current)
                current = ""
            }
            current += current.isEmpty ? String(word) : " " + word
        }
        if !current.isEmpty { line("/// " + current) }
    }
}
