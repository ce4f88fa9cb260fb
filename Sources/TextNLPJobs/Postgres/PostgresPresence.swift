import Foundation
import Logging
import PostgresNIO
import Synchronization

/// This process as a worker of the cluster: a row in `textnlp_workers` and a session advisory lock on its id,
/// held on one connection for the life of the process. Jobs claimed through this store record that id. When
/// the session ends (the process was killed, its machine was lost, the database restarted), the lock goes
/// with it, and any live worker's reaper rescues the jobs within a second. After a lost session it
/// registers again under a new id: the jobs of the old one are rescued like any other.
final class PostgresPresence: Sendable {
    /// The first key of every worker's lock (`pg_advisory_lock(namespace, id)`); "txnl".
    static let namespace: Int32 = 0x7478_6e6c
    /// The channel on which new and returned work is announced (the payload is the queue).
    static let channel = "textnlp_jobs"

    /// SQL that is true while the worker whose id `expression` gives holds its lock, that is, while its session lives.
    static func holdsLock(_ expression: String) -> String {
        """
        EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = \(namespace)::oid
                AND l.objid = (\(expression))::oid AND l.objsubid = 2 AND l.granted
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
        """
    }

    private struct State {
        var id: Int32?
        var stopping = false
        var started: CheckedContinuation<Void, any Error>?
    }

    private let client: PostgresClient
    private let name: String
    private let store: String
    private let logger: Logger
    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(client: PostgresClient, name: String, store: String, logger: Logger) {
        self.client = client
        self.name = name
        self.store = store
        self.logger = logger
    }

    /// Registers; returns once registered, or throws why the first attempt failed.
    func start() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            state.withLock { $0.started = continuation }
            task.withLock { $0 = Task { await self.hold() } }
        }
    }

    /// The id under which this process claims; an error while its session is being re-established.
    func workerID() throws -> Int32 {
        guard let id = state.withLock({ $0.id }) else {
            throw JobsError.unavailable(store: store, operation: "claim", reason: "this worker's database session was lost; reconnecting")
        }
        return id
    }

    /// Unlocks and removes the registration when the session is healthy. A hold that is waiting (for a
    /// connection, or after a lost session) is cancelled: closing the pool ends its session and its lock.
    func stop() async {
        state.withLock { $0.stopping = true }
        guard let task = task.withLock({ $0 }) else { return }
        // A healthy hold ends within half a second; one stuck on a dead connection is cancelled after two.
        let deadline = Task {
            try await Task.sleep(for: .seconds(2))
            task.cancel()
        }
        await task.value
        deadline.cancel()
    }

    private func hold() async {
        var failures = 0
        while !state.withLock({ $0.stopping }) && !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    let id = try await register(on: connection)
                    failures = 0
                    let first = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                        s.id = id
                        defer { s.started = nil }
                        return s.started
                    }
                    first?.resume()
                    logger.info("job store \(store): worker \(id) (\(name)) registered")
                    // Until stopped, check through another connection that the lock is still held: a query on this
                    // one could wait for ever once the server has dropped it. A lost lock registers again.
                    let logger = self.logger
                    var unanswered = 0
                    while !state.withLock({ $0.stopping }) && !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(500))
                        let held: [String]
                        do {
                            held = try await PostgresRows.strings(client.query(
                                "SELECT (\(unescaped: Self.holdsLock("\(id)")))::text", logger: logger))
                            unanswered = 0
                        } catch {
                            // A check that fails (a busy server, no free connection) proves nothing; three in a row
                            // (1.5 s) mean the server is away, and the registration starts again.
                            unanswered += 1
                            if unanswered < 3 { continue }
                            throw error
                        }
                        if held != ["true"] {
                            throw JobsError.unavailable(store: store, operation: "hold this worker's lock",
                                                        reason: "worker \(id)'s database session ended")
                        }
                    }
                    try await connection.query("SELECT pg_advisory_unlock(\(Self.namespace), \(id))", logger: logger)
                    try await connection.query("DELETE FROM textnlp_workers WHERE id = \(id)", logger: logger)
                    state.withLock { $0.id = nil }
                }
            } catch {
                state.withLock { $0.id = nil }
                let failure = PostgresFailure.classify(error, store: store, operation: "register this worker")
                if let first = state.withLock({ s -> CheckedContinuation<Void, any Error>? in defer { s.started = nil }; return s.started }) {
                    first.resume(throwing: failure)
                    return
                }
                failures += 1
                let delay = min(5.0, 0.2 * Double(1 << min(failures, 5)))
                logger.warning("\(failure); registering again in \(delay) s")
                try? await Task.sleep(for: .seconds(delay))
            }
        }
    }

    private func register(on connection: PostgresConnection) async throws -> Int32 {
        let host = ProcessInfo.processInfo.hostName
        let pid = Int32(ProcessInfo.processInfo.processIdentifier)
        let rows = try await connection.query("""
            INSERT INTO textnlp_workers (name, host, pid, started_at)
            VALUES (\(name), \(host), \(pid), extract(epoch from statement_timestamp())) RETURNING id
            """, logger: logger)
        var id: Int32?
        for try await value in rows.decode(Int32.self) { id = value }
        guard let id else { throw JobsError.queryFailed(store: store, operation: "register this worker", reason: "no id returned") }
        try await connection.query("SELECT pg_advisory_lock(\(Self.namespace), \(id))", logger: logger)
        return id
    }
}
