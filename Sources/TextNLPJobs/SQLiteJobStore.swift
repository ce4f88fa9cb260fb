import Foundation
import GRDB

/// The embedded job store: one SQLite file (WAL mode), safe for several processes on one machine.
///
/// Every operation is one transaction, and it runs to its end even when the task that asked for it is
/// cancelled: a stop (SIGTERM, Ctrl-C) that lands in the middle of a claim or a completion never leaves a
/// job claimed by nobody, and its caller still learns what was written.
public final class SQLiteJobStore: JobStore {
    let pool: DatabasePool
    let path: String
    let now: @Sendable () -> Double

    public init(path: String, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        self.path = path
        self.now = now
        var config = Configuration()
        config.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: config)
            let unknown = try pool.read(SQLiteMigrations.unknownVersions)
            guard unknown.isEmpty else {
                throw JobsError.schemaTooNew(store: path, unknown: unknown, known: JobStoreSchema.versions)
            }
            try SQLiteMigrations.migrator.migrate(pool)
        } catch {
            throw Self.classify(error, store: path, operation: "open and migrate")
        }
    }

    /// The schema versions applied to this store, oldest first.
    public func appliedVersions() async throws -> [String] {
        try await read("read schema versions") { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
    }

    /// GRDB and SQLite errors as `JobsError`s with this store and operation; busy, locked and I/O errors are transient.
    static func classify(_ error: any Error, store: String, operation: String) -> JobsError {
        if let error = error as? JobsError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_CANTOPEN, .SQLITE_PROTOCOL, .SQLITE_INTERRUPT:
                return .unavailable(store: store, operation: operation, reason: error.message ?? "\(error.resultCode)")
            default:
                return .queryFailed(store: store, operation: operation, reason: "\(error.message ?? "\(error.resultCode)")"
                                    + (error.sql.map { " in \($0.split(separator: "\n").first ?? "")" } ?? ""))
            }
        }
        if error is CancellationError {
            return .unavailable(store: store, operation: operation, reason: "cancelled before it ran")
        }
        return .queryFailed(store: store, operation: operation, reason: "\(error)")
    }

    /// Runs `body` in one write transaction, in a task of its own so that the caller's cancellation
    /// cannot interrupt it half way.
    func write<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let pool = self.pool, path = self.path
        return try await Task {
            do {
                return try await pool.write(body)
            } catch {
                throw Self.classify(error, store: path, operation: operation)
            }
        }.value
    }

    func read<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let pool = self.pool, path = self.path
        return try await Task {
            do {
                return try await pool.read(body)
            } catch {
                throw Self.classify(error, store: path, operation: operation)
            }
        }.value
    }

    @discardableResult
    public func enqueue(_ jobs: [NewJob]) async throws -> Int {
        let t = now()
        return try await write("enqueue \(jobs.count) job(s)") { db in try SQLiteRows.insert(jobs, now: t, db: db) }
    }

    public func claim(queue: String, owner: String, limit: Int, leaseSeconds: Double) async throws -> [JobRecord] {
        let t = now(), path = self.path
        return try await write("claim from queue \(queue)") { db in
            let rows = try GRDB.Row.fetchAll(db, sql: """
                UPDATE jobs SET state = 'running', attempt = attempt + 1, lease_owner = ?, lease_expires_at = ?,
                       started_at = COALESCE(started_at, ?)
                WHERE id IN (
                    SELECT j.id FROM jobs j
                    WHERE j.queue = ? AND j.run_at <= ?
                      AND (j.state IN ('available', 'retryable')
                           OR (j.state = 'scheduled' AND NOT EXISTS (
                               SELECT 1 FROM job_dependencies d JOIN jobs p ON p.id = d.prerequisite_id
                               WHERE d.job_id = j.id AND p.state <> 'completed')))
                    ORDER BY j.priority, j.run_at, j.id LIMIT ?)
                RETURNING *
                """, arguments: [owner, t + leaseSeconds, t, queue, t, limit])
            return try rows.map { try SQLiteRows.record($0, store: path) }
                .sorted { ($0.priority, $0.runAt, $0.id) < ($1.priority, $1.runAt, $1.id) }
        }
    }

    public func heartbeat(id: Int64, owner: String, leaseSeconds: Double) async throws -> Bool {
        let t = now()
        return try await write("heartbeat job \(id)") { db in
            try db.execute(sql: "UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND state = 'running'",
                           arguments: [t + leaseSeconds, id, owner])
            return db.changesCount == 1
        }
    }

    public func complete(id: Int64, owner: String, result: String?, enqueue: [NewJob]) async throws {
        try await complete(id: id, owner: owner, outcome: JobOutcome(result: result, enqueue: enqueue))
    }

    /// Completes the job, writes its artifacts into its group and enqueues what follows, in one transaction.
    public func complete(id: Int64, owner: String, outcome: JobOutcome) async throws {
        let t = now()
        try await write("complete job \(id)") { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'completed', result = ?, finished_at = ?, lease_expires_at = NULL
                WHERE id = ? AND lease_owner = ? AND state = 'running'
                """, arguments: [outcome.result, t, id, owner])
            guard db.changesCount == 1, let job = try GRDB.Row.fetchOne(db, sql: "SELECT grp, cancel_requested FROM jobs WHERE id = ?", arguments: [id]) else {
                throw JobsError.leaseLost(job: id, owner: owner)
            }
            let group: String = job["grp"], cancelled: Bool = job["cancel_requested"]
            for artifact in outcome.artifacts {
                try Self.replaceArtifact(group: group, name: artifact.name, bytes: artifact.bytes, now: t, db: db)
            }
            _ = try SQLiteRows.insert(outcome.enqueue, now: t, db: db)
            if cancelled {
                // The group was cancelled while this job ran to its end: what it enqueues is cancelled with the rest.
                try db.execute(sql: """
                    UPDATE jobs SET state = 'cancelled', finished_at = ? WHERE grp = ? AND state IN ('scheduled', 'available', 'retryable')
                    """, arguments: [t, group])
            }
        }
    }

    @discardableResult
    public func fail(id: Int64, owner: String, message: String, retryAt: Double?) async throws -> JobState {
        let t = now(), path = self.path
        return try await write("record the failure of job \(id)") { db in
            guard let row = try GRDB.Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ? AND lease_owner = ? AND state = 'running'",
                                                  arguments: [id, owner]) else {
                throw JobsError.leaseLost(job: id, owner: owner)
            }
            let job = try SQLiteRows.record(row, store: path)
            let errors = job.errors + [AttemptError(attempt: job.attempt, at: t, message: message)]
            let state: JobState = job.cancelRequested ? .cancelled
                : (retryAt != nil && job.attempt < job.maxAttempts) ? .retryable : .discarded
            try db.execute(sql: """
                UPDATE jobs SET state = ?, errors = ?, run_at = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ?
                """, arguments: [state.rawValue, try SQLiteRows.encode(errors), retryAt ?? job.runAt, state.isFinal ? t : nil, id])
            return state
        }
    }

    public func release(id: Int64, owner: String) async throws {
        let t = now()
        try await write("release job \(id)") { db in
            try db.execute(sql: """
                UPDATE jobs SET state = CASE WHEN cancel_requested THEN 'cancelled' WHEN attempt > 1 THEN 'retryable' ELSE 'available' END,
                       finished_at = CASE WHEN cancel_requested THEN ? ELSE finished_at END,
                       attempt = attempt - 1, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ? AND lease_owner = ? AND state = 'running'
                """, arguments: [t, id, owner])
        }
    }

    public func stopRequested(held: [Int64: String]) async throws -> Set<Int64> {
        guard !held.isEmpty else { return [] }
        return try await read("check \(held.count) running job(s)") { db in
            let list = held.keys.map(String.init).joined(separator: ",")
            var stop = Set<Int64>()
            let rows = try GRDB.Row.fetchAll(db, sql: "SELECT id, lease_owner, state, cancel_requested FROM jobs WHERE id IN (\(list))")
            var seen = Set<Int64>()
            for row in rows {
                let id: Int64 = row["id"]
                seen.insert(id)
                let owner: String? = row["lease_owner"], state: String = row["state"], cancel: Int = row["cancel_requested"]
                if state != "running" || owner != held[id] || cancel != 0 { stop.insert(id) }
            }
            return stop.union(Set(held.keys).subtracting(seen))
        }
    }

    @discardableResult
    public func reap() async throws -> Int {
        let t = now(), path = self.path
        return try await write("reap expired leases") { db in
            try SQLiteRows.loseAttempts(db, store: path, where: "state = 'running' AND lease_expires_at < ?", arguments: [t],
                                        message: "lease expired (the worker stopped heartbeating)", now: t)
        }
    }

    @discardableResult
    public func recoverRunning(group: String, message: String) async throws -> Int {
        let t = now(), path = self.path
        return try await write("recover the running jobs of \(group)") { db in
            try SQLiteRows.loseAttempts(db, store: path, where: "state = 'running' AND grp = ?", arguments: [group], message: message, now: t)
        }
    }

    /// Returns every running job to the queue, as a rescued attempt: for a process that owns the store alone
    /// (the embedded server) when it starts, since any job still running then was its predecessor's.
    @discardableResult
    public func recoverAllRunning(message: String) async throws -> Int {
        let t = now(), path = self.path
        return try await write("recover the running jobs") { db in
            try SQLiteRows.loseAttempts(db, store: path, where: "state = 'running'", arguments: [], message: message, now: t)
        }
    }

    @discardableResult
    public func retryDiscarded(group: String) async throws -> Int {
        let t = now()
        return try await write("retry the discarded jobs of \(group)") { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'available', max_attempts = attempt + max_attempts, run_at = ?, finished_at = NULL
                WHERE grp = ? AND state = 'discarded'
                """, arguments: [t, group])
            return db.changesCount
        }
    }

    public func jobs(group: String) async throws -> [JobRecord] {
        let path = self.path
        return try await read("list the jobs of \(group)") { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT * FROM jobs WHERE grp = ? ORDER BY id", arguments: [group])
                .map { try SQLiteRows.record($0, store: path) }
        }
    }

    public func stateCounts(group: String) async throws -> [JobState: Int] {
        let path = self.path
        return try await read("count the jobs of \(group)") { db in
            var counts: [JobState: Int] = [:]
            for row in try GRDB.Row.fetchAll(db, sql: "SELECT state, count(*) AS n FROM jobs WHERE grp = ? GROUP BY state",
                                             arguments: [group]) {
                let text: String = row["state"]
                guard let state = JobState(rawValue: text) else {
                    throw JobsError.corruptRecord(store: path, job: 0, field: "state", value: text)
                }
                counts[state] = row["n"]
            }
            return counts
        }
    }

    public func job(group: String, key: String) async throws -> JobRecord? {
        let path = self.path
        return try await read("read job \(group)/\(key)") { db in
            try GRDB.Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE grp = ? AND key = ?", arguments: [group, key])
                .map { try SQLiteRows.record($0, store: path) }
        }
    }

    @discardableResult
    public func cancel(group: String) async throws -> Int {
        let t = now()
        return try await write("cancel the jobs of \(group)") { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'cancelled', finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
                WHERE grp = ? AND state NOT IN ('completed', 'cancelled', 'discarded', 'running')
                """, arguments: [t, group])
            let waiting = db.changesCount
            // Running jobs end as cancelled when their worker stops them (see `stopRequested`).
            try db.execute(sql: "UPDATE jobs SET cancel_requested = 1 WHERE grp = ? AND state = 'running'", arguments: [group])
            return waiting + db.changesCount
        }
    }
}
