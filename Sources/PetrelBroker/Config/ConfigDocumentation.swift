/// The README's configuration section, generated from `ConfigTable` (`petrel broker --print-config-docs`).
/// A test checks that README.md contains exactly this text.
public enum ConfigDocumentation {
    public static func markdown() -> String {
        var lines = [
            "| key | type | default | valid values | topic-level key | description |",
            "|---|---|---|---|---|---|",
        ]
        for definition in ConfigTable.broker {
            let defaultText = definition.defaultValue.map { "`\($0.wireString)`" } ?? "null"
            let topic = definition.topicSynonym.map { "`\($0.topicKey)`" } ?? ""
            let cells = [
                "`\(definition.name)`", definition.type.name, defaultText, definition.validator.documentation,
                topic, definition.documentation,
            ]
            lines.append("| " + cells.map { $0.replacing("|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
