import NIOCore
import Synchronization

/// The open client connections, so shutdown can let each finish its in-flight requests.
final class ConnectionRegistry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { _ in
            self.channels.withLock { _ = $0.removeValue(forKey: id) }
        }
    }

    /// Asks every connection to stop reading requests and close once its responses are written, and
    /// waits until all are closed.
    func quiesce() async {
        let open = channels.withLock { Array($0.values) }
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        for channel in open {
            try? await channel.closeFuture.get()
        }
    }
}
