import PetrelMetadata
import PetrelProtocol
import Synchronization

/// Drives the controller on a single node: runs one `TopicControl` operation at a time, makes its
/// records durable in the metadata log, applies them and publishes the new image.
///
/// Operations are serialised (a FIFO of waiters, since actors are reentrant across the log append) so
/// each one plans against the image left by the previous one. Readers take `image`, a snapshot, without
/// waiting.
final class MetadataManager: Sendable {
    private let log: any MetadataLog
    private let published: Mutex<MetadataImage>
    private let gate = SerialGate()
    let control: TopicControl
    /// Called with each new image after it is published (partition logs are created or removed here).
    private let onChange: @Sendable (MetadataImage, [MetadataRecord]) async -> Void

    init(
        image: MetadataImage, log: any MetadataLog, control: TopicControl,
        onChange: @escaping @Sendable (MetadataImage, [MetadataRecord]) async -> Void
    ) {
        self.log = log
        self.published = Mutex(image)
        self.control = control
        self.onChange = onChange
    }

    /// The latest published image.
    var image: MetadataImage { published.withLock { $0 } }

    /// Plans with `plan` against the current image and, unless `validateOnly`, commits the records.
    /// Returns the image after the commit (the current one when validating).
    nonisolated(nonsending) func perform(
        validateOnly: Bool = false,
        _ plan: (TopicControl, MetadataImage) throws(ControllerError) -> [MetadataRecord]
    ) async throws(MetadataOperationError) -> MetadataImage {
        await gate.enter()
        let outcome: Result<MetadataImage, MetadataOperationError>
        do {
            outcome = .success(try await performLocked(validateOnly: validateOnly, plan))
        } catch {
            outcome = .failure(error)
        }
        await gate.leave()
        return try outcome.get()
    }

    nonisolated(nonsending) private func performLocked(
        validateOnly: Bool, _ plan: (TopicControl, MetadataImage) throws(ControllerError) -> [MetadataRecord]
    ) async throws(MetadataOperationError) -> MetadataImage {
        let current = image
        let records: [MetadataRecord]
        do {
            records = try plan(control, current)
        } catch {
            throw .refused(error)
        }
        guard !validateOnly, !records.isEmpty else { return current }
        var next = current
        do {
            let offsets = try await log.append(records)
            for (record, offset) in zip(records, offsets) {
                next = try next.applying(record, offset: offset)
            }
        } catch {
            throw .storage("\(error)")
        }
        published.withLock { $0 = next }
        await onChange(next, records)
        return next
    }
}

enum MetadataOperationError: Error {
    /// The controller refused the operation (bad name, exists, ...).
    case refused(ControllerError)
    /// The metadata log could not be written; nothing changed.
    case storage(String)
}

/// A FIFO async lock: `enter` waits until every earlier holder has called `leave`.
actor SerialGate {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func leave() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
