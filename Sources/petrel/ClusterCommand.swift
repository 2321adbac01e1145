import ArgumentParser
import PetrelClient

/// `petrel cluster describe`: cluster id, controller and brokers.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Describe the cluster.", subcommands: [Describe.self])

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the cluster id, controller and brokers.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await withAdmin(client) { admin in
                let cluster = try await admin.describeCluster()
                print("Cluster ID: \(cluster.clusterID ?? "-")")
                print("Controller: \(cluster.controllerID)")
                print("Brokers:")
                for broker in cluster.brokers {
                    print("  \(broker.nodeID) \(broker.address)\(broker.rack.map { " rack=\($0)" } ?? "")")
                }
            }
        }
    }
}
