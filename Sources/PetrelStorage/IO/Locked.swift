import NIOConcurrencyHelpers

/// A value behind a pthread mutex (NIO's `NIOLockedValueBox`), with typed-throws access.
///
/// Why not `Synchronization.Mutex`: on Linux it locks with raw futex calls that ThreadSanitizer does
/// not see, so every guarded access is reported as a race (checked with a two-thread counter: correct
/// total, TSan warning). A pthread mutex keeps `swift test --sanitize=thread` meaningful.
/// `@unchecked Sendable`: the value, Sendable or not, is only ever touched inside `withLock`.
struct Locked<Value>: @unchecked Sendable {
    private let box: NIOLockedValueBox<Value>

    init(_ value: Value) {
        box = NIOLockedValueBox(value)
    }

    func withLock<T, E: Error>(_ body: (inout Value) throws(E) -> T) throws(E) -> T {
        box.unsafe.lock()
        defer { box.unsafe.unlock() }
        let result: Result<T, E> = box.unsafe.withValueAssumingLockIsAcquired { value in
            do throws(E) {
                return .success(try body(&value))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
