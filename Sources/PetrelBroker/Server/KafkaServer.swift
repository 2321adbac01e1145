import Logging
import NIOCore
import NIOPosix
import PetrelProtocol
import Synchronization

/// Binds one listener. Each accepted connection gets the pipeline
/// frame decoder (rejects a size prefix above `socket.request.max.bytes` before buffering)
/// → idle timer (`connections.max.idle.ms`) → `KafkaConnectionHandler` (dispatch, ordered responses).
enum KafkaServer {
    private static let connectionCounter = Atomic<UInt64>(0)

    static func bind(
        _ listener: Listener, group: any EventLoopGroup, processor: any RequestProcessor,
        connections: ConnectionRegistry, network: BrokerConfiguration.Network, logger: Logger
    ) async throws -> any Channel {
        let frameBytesMax = network.requestBytesMax
        let idle = TimeAmount.nanoseconds(Int64(network.connectionIdleMax.components.seconds) * 1_000_000_000
            + network.connectionIdleMax.components.attoseconds / 1_000_000_000)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let id = connectionCounter.add(1, ordering: .relaxed).newValue
                    let connection = ConnectionInfo(
                        id: id, remoteAddress: channel.remoteAddress.map { "\($0)" } ?? "unknown", eventLoop: channel.eventLoop)
                    connections.add(channel)
                    let handlers = channel.pipeline.syncOperations
                    try handlers.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: frameBytesMax)))
                    try handlers.addHandler(IdleStateHandler(allTimeout: idle))
                    try handlers.addHandler(
                        KafkaConnectionHandler(processor: processor, connection: connection, logger: logger))
                }
            }
        let host = listener.host.isEmpty ? "0.0.0.0" : listener.host
        return try await bootstrap.bind(host: host, port: listener.port).get()
    }
}
