import Logging
import PostgresNIO
import Synchronization

/// LISTEN on the channel on which enqueues and returned jobs are announced (`PostgresPresence.channel`,
/// payload: the queue), on one connection of the pool for the life of the store; each notification wakes
/// the idle workers of its queue. A lost connection listens again with backoff, and wakes everyone when it
/// is back (what was announced meanwhile is lost). Polling stays the fallback: a worker that hears nothing
/// still claims every `pollSeconds`.
final class PostgresListener: Sendable {
    let wakeups = Wakeups()
    private let client: PostgresClient
    private let store: String
    private let logger: Logger
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(client: PostgresClient, store: String, logger: Logger) {
        self.client = client
        self.store = store
        self.logger = logger
    }

    func start() {
        task.withLock { $0 = Task { await self.listen() } }
    }

    func stop() async {
        guard let task = task.withLock({ $0 }) else { return }
        task.cancel()
        await task.value
    }

    private func listen() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: PostgresPresence.channel) { notifications in
                        failures = 0
                        wakeups.signal(nil)
                        for try await notification in notifications {
                            wakeups.signal(notification.payload)
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let delay = min(5.0, 0.2 * Double(1 << min(failures, 5)))
                logger.debug("job store \(store): listening for new jobs: \(error); again in \(delay) s (polling meanwhile)")
                try? await Task.sleep(for: .seconds(delay))
            }
        }
    }
}
