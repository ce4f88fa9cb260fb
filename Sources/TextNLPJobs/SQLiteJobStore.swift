import Foundation
import GRDB

/// The embedded job store: one SQLite file (WAL mode), safe for several processes on one machine.
public final class SQLiteJobStore: JobStore {
    private let pool: DatabasePool
    private let now: @Sendable () -> Double

    public init(path: String, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try pool.write { db in try SQLiteSchema.migrate(db) }
        } catch {
            throw JobsError.database("\(path): \(error)")
        }
        self.now = now
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as JobsError {
            throw error
        } catch {
            throw JobsError.database("\(error)")
        }
    }

    @discardableResult
    public func enqueue(_ jobs: [NewJob]) async throws -> Int {
        let t = now()
        return try await write { db in try SQLiteSchema.insert(jobs, now: t, db: db) }
    }

    public func claim(queue: String, owner: String, limit: Int, leaseSeconds: Double) async throws -> [JobRecord] {
        let t = now()
        return try await write { db in
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
            return rows.map(SQLiteSchema.record).sorted { ($0.priority, $0.runAt, $0.id) < ($1.priority, $1.runAt, $1.id) }
        }
    }

    public func heartbeat(id: Int64, owner: String, leaseSeconds: Double) async throws -> Bool {
        let t = now()
        return try await write { db in
            try db.execute(sql: "UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND state = 'running'",
                           arguments: [t + leaseSeconds, id, owner])
            return db.changesCount == 1
        }
    }

    public func complete(id: Int64, owner: String, result: String?, enqueue: [NewJob]) async throws {
        let t = now()
        try await write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'completed', result = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ? AND lease_owner = ? AND state = 'running'
                """, arguments: [result, t, id, owner])
            guard db.changesCount == 1 else { throw JobsError.leaseLost(job: id, owner: owner) }
            _ = try SQLiteSchema.insert(enqueue, now: t, db: db)
        }
    }

    @discardableResult
    public func fail(id: Int64, owner: String, message: String, retryAt: Double?) async throws -> JobState {
        let t = now()
        return try await write { db in
            guard let row = try GRDB.Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ? AND lease_owner = ? AND state = 'running'",
                                                  arguments: [id, owner]) else {
                throw JobsError.leaseLost(job: id, owner: owner)
            }
            let job = SQLiteSchema.record(row)
            let errors = job.errors + [AttemptError(attempt: job.attempt, at: t, message: message)]
            let state: JobState = (retryAt != nil && job.attempt < job.maxAttempts) ? .retryable : .discarded
            try db.execute(sql: """
                UPDATE jobs SET state = ?, errors = ?, run_at = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ?
                """, arguments: [state.rawValue, SQLiteSchema.encode(errors), retryAt ?? job.runAt, state == .discarded ? t : nil, id])
            return state
        }
    }

    public func release(id: Int64, owner: String) async throws {
        try await write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = CASE WHEN attempt > 1 THEN 'retryable' ELSE 'available' END,
                       attempt = attempt - 1, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ? AND lease_owner = ? AND state = 'running'
                """, arguments: [id, owner])
        }
    }

    @discardableResult
    public func reap() async throws -> Int {
        let t = now()
        return try await write { db in
            try SQLiteSchema.loseAttempts(db, where: "state = 'running' AND lease_expires_at < ?", arguments: [t],
                                          message: "lease expired (the worker stopped heartbeating)", now: t)
        }
    }

    @discardableResult
    public func recoverRunning(group: String, message: String) async throws -> Int {
        let t = now()
        return try await write { db in
            try SQLiteSchema.loseAttempts(db, where: "state = 'running' AND grp = ?", arguments: [group], message: message, now: t)
        }
    }

    @discardableResult
    public func retryDiscarded(group: String) async throws -> Int {
        let t = now()
        return try await write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'available', max_attempts = attempt + max_attempts, run_at = ?, finished_at = NULL
                WHERE grp = ? AND state = 'discarded'
                """, arguments: [t, group])
            return db.changesCount
        }
    }

    public func jobs(group: String) async throws -> [JobRecord] {
        do {
            return try await pool.read { db in
                try GRDB.Row.fetchAll(db, sql: "SELECT * FROM jobs WHERE grp = ? ORDER BY id", arguments: [group]).map(SQLiteSchema.record)
            }
        } catch {
            throw JobsError.database("\(error)")
        }
    }

    public func stateCounts(group: String) async throws -> [JobState: Int] {
        do {
            return try await pool.read { db in
                var counts: [JobState: Int] = [:]
                for row in try GRDB.Row.fetchAll(db, sql: "SELECT state, count(*) AS n FROM jobs WHERE grp = ? GROUP BY state",
                                                 arguments: [group]) {
                    let state: String = row["state"]
                    if let s = JobState(rawValue: state) { counts[s] = row["n"] }
                }
                return counts
            }
        } catch {
            throw JobsError.database("\(error)")
        }
    }

    public func job(group: String, key: String) async throws -> JobRecord? {
        do {
            return try await pool.read { db in
                try GRDB.Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE grp = ? AND key = ?", arguments: [group, key]).map(SQLiteSchema.record)
            }
        } catch {
            throw JobsError.database("\(error)")
        }
    }

    @discardableResult
    public func cancel(group: String) async throws -> Int {
        let t = now()
        return try await write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'cancelled', finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
                WHERE grp = ? AND state NOT IN ('completed', 'cancelled', 'discarded')
                """, arguments: [t, group])
            return db.changesCount
        }
    }
}
