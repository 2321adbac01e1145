import ArgumentParser
import Foundation

/// `swift run PetrelProtocolGen --specs <kafka message specs> --output Sources/PetrelProtocol/Generated`
/// (`make protocol SPECS=...`): regenerates the committed protocol code from Kafka's JSON specs.
@main
struct PetrelProtocolGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generates Swift message types from Kafka's JSON message specs.")

    @Option(help: "The spec root (holding clients/, metadata/, group-coordinator/, ...).")
    var specs: String

    @Option(help: "Output directory for the generated sources.")
    var output: String

    @Option(help: "Output directory for generated test support (arbitrary values for property tests).")
    var testsOutput: String = "Tests/PetrelProtocolTests/Generated"

    func run() throws {
        let loaded = try SpecReader.loadAll(specRoot: URL(fileURLWithPath: specs))
        guard !loaded.isEmpty else { throw GeneratorError("no specs under \(specs)") }
        let generator = try Generator(specs: loaded)
        try generator.write(sourcesTo: URL(fileURLWithPath: output), testSupportTo: URL(fileURLWithPath: testsOutput))
        print("PetrelProtocolGen: \(loaded.count) specs -> \(generator.sources.count) source files, \(generator.testSupport.count) test support files")
    }
}
