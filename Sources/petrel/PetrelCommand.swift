import ArgumentParser

/// `petrel`: the one executable. Subcommands grow with the milestones (`broker` first).
@main
struct PetrelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "petrel",
        abstract: "Petrel: a Kafka-wire-compatible event streaming platform.",
        subcommands: [
            BrokerCommand.self, TopicCommand.self, ProduceCommand.self, ConsumeCommand.self, GroupCommand.self,
            ClusterCommand.self,
        ]
    )
}
