import Foundation

/// Runs long synchronous work (a model's forward passes, a corpus through a metric) on a thread of its own.
///
/// Swift Testing runs every test on the few threads of the shared concurrency pool (2 here). A test body
/// that computes for a minute without suspending holds one of them for that minute; two such tests stop
/// every other test's tasks, and timers, heartbeats and leases of the job tests then see minutes pass
/// at once. Heavy tests hand their work to this instead, and the pool stays free.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
