/// A `server.properties` file in `java.util.Properties.load` format:
/// - a logical line is a natural line whose line break may be escaped by an odd number of trailing
///   backslashes, continuing on the next line with its leading whitespace dropped;
/// - lines whose first non-blank character is `#` or `!` are comments, blank lines are skipped;
/// - the key ends at the first unescaped `=`, `:` or whitespace; whitespace, one `=` or `:`, and more
///   whitespace separate it from the value, which runs to the end of the logical line;
/// - escapes `\t \n \r \f \uXXXX` are decoded in keys and values; `\` before any other character is
///   that character.
public struct JavaProperties: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        /// 1-based line where the entry starts, for error messages.
        public var line: Int
    }

    /// Entries in file order; a later duplicate key wins when read through `values`.
    public var entries: [Entry]

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public init(parsing text: String) throws(ParseError) {
        entries = []
        let scalars = Array(text.unicodeScalars)
        var index = 0
        var lineNumber = 1
        while index < scalars.count {
            let startLine = lineNumber
            // Skip leading whitespace of the natural line.
            while index < scalars.count, Self.isBlank(scalars[index]) { index += 1 }
            guard index < scalars.count else { break }
            if Self.isLineBreak(scalars[index]) {
                index = Self.skipLineBreak(scalars, index)
                lineNumber += 1
                continue
            }
            if scalars[index] == "#" || scalars[index] == "!" {
                while index < scalars.count, !Self.isLineBreak(scalars[index]) { index += 1 }
                continue
            }
            // Gather the logical line, joining escaped line breaks.
            var logical: [Unicode.Scalar] = []
            while index < scalars.count, !Self.isLineBreak(scalars[index]) {
                if scalars[index] == "\\" {
                    if index + 1 < scalars.count, Self.isLineBreak(scalars[index + 1]) {
                        index = Self.skipLineBreak(scalars, index + 1)
                        lineNumber += 1
                        while index < scalars.count, Self.isBlank(scalars[index]) { index += 1 }
                        continue
                    }
                    logical.append(scalars[index])
                    if index + 1 < scalars.count {
                        logical.append(scalars[index + 1])
                        index += 2
                    } else {
                        index += 1
                    }
                    continue
                }
                logical.append(scalars[index])
                index += 1
            }
            entries.append(try Self.entry(logical, line: startLine))
        }
    }

    /// The last value of each key.
    public var values: [String: String] {
        var result: [String: String] = [:]
        for entry in entries { result[entry.key] = entry.value }
        return result
    }

    private static func entry(_ line: [Unicode.Scalar], line number: Int) throws(ParseError) -> Entry {
        var keyEnd = 0
        while keyEnd < line.count {
            let scalar = line[keyEnd]
            if scalar == "\\" {
                keyEnd += 2
                continue
            }
            if scalar == "=" || scalar == ":" || isBlank(scalar) { break }
            keyEnd += 1
        }
        keyEnd = min(keyEnd, line.count)
        var valueStart = keyEnd
        while valueStart < line.count, isBlank(line[valueStart]) { valueStart += 1 }
        if valueStart < line.count, line[valueStart] == "=" || line[valueStart] == ":" {
            valueStart += 1
            while valueStart < line.count, isBlank(line[valueStart]) { valueStart += 1 }
        }
        return Entry(
            key: try unescape(line[0..<keyEnd], line: number),
            value: try unescape(line[valueStart...], line: number), line: number)
    }

    private static func unescape(_ scalars: ArraySlice<Unicode.Scalar>, line: Int) throws(ParseError) -> String {
        var result = String.UnicodeScalarView()
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            index += 1
            guard scalar == "\\", index < scalars.endIndex else {
                if scalar != "\\" { result.append(scalar) }
                continue
            }
            let escaped = scalars[index]
            index += 1
            switch escaped {
            case "t": result.append("\t")
            case "n": result.append("\n")
            case "r": result.append("\r")
            case "f": result.append("\u{0C}")
            case "u":
                guard index + 4 <= scalars.endIndex,
                    let code = UInt32(String(String.UnicodeScalarView(scalars[index..<index + 4])), radix: 16),
                    let decoded = Unicode.Scalar(code)
                else {
                    throw ParseError(line: line, reason: "malformed \\uxxxx encoding")
                }
                result.append(decoded)
                index += 4
            default: result.append(escaped)
            }
        }
        return String(result)
    }

    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\u{0C}"
    }

    private static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\n" || scalar == "\r"
    }

    /// Index after the line break at `index` (`\r\n` counts as one).
    private static func skipLineBreak(_ scalars: [Unicode.Scalar], _ index: Int) -> Int {
        if scalars[index] == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" { return index + 2 }
        return index + 1
    }
}
