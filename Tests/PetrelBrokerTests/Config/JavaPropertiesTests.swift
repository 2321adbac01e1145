import Testing

@testable import PetrelBroker

@Suite struct JavaPropertiesTests {
    private func values(_ text: String) throws -> [String: String] {
        try JavaProperties(parsing: text).values
    }

    @Test func separatorsAreEqualsColonOrWhitespace() throws {
        let parsed = try values("a=1\nb: 2\nc 3\nd = 4\ne\t:\t5\n")
        #expect(parsed == ["a": "1", "b": "2", "c": "3", "d": "4", "e": "5"])
    }

    @Test func commentsAndBlankLinesAreSkipped() throws {
        let parsed = try values("# comment=1\n  ! another\n\n   \nkey=value # not a comment\n")
        #expect(parsed == ["key": "value # not a comment"])
    }

    @Test func backslashContinuesTheLineAndDropsLeadingWhitespace() throws {
        let parsed = try values("listeners=PLAINTEXT://a:1,\\\n    PLAINTEXT://b:2\nnext=x")
        #expect(parsed == ["listeners": "PLAINTEXT://a:1,PLAINTEXT://b:2", "next": "x"])
    }

    @Test func evenBackslashesDoNotContinue() throws {
        let parsed = try values("a=x\\\\\nb=y")
        #expect(parsed == ["a": "x\\", "b": "y"])
    }

    @Test func escapesAreDecoded() throws {
        let parsed = try values("k\\=ey=a\\tb\\u0041\\:c\\\\d\nsp\\ ace=v")
        #expect(parsed == ["k=ey": "a\tbA:c\\d", "sp ace": "v"])
    }

    @Test func crlfAndCrLineEndings() throws {
        let parsed = try values("a=1\r\nb=2\rc=3")
        #expect(parsed == ["a": "1", "b": "2", "c": "3"])
    }

    @Test func keyWithoutValueIsEmpty() throws {
        #expect(try values("lonely\n") == ["lonely": ""])
    }

    @Test func laterDuplicateWins() throws {
        #expect(try values("a=1\na=2") == ["a": "2"])
    }

    @Test func linesAreNumbered() throws {
        let entries = try JavaProperties(parsing: "# c\n\na=1\\\n 2\nb=3").entries
        #expect(entries.map(\.line) == [3, 5])
    }

    @Test func malformedUnicodeEscapeIsAnError() {
        #expect(throws: JavaProperties.ParseError.self) { try JavaProperties(parsing: "a=\\u12") }
        #expect(throws: JavaProperties.ParseError.self) { try JavaProperties(parsing: "a=\\uZZZZ") }
    }
}
