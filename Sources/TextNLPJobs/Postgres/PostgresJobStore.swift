import Foundation
import Logging
import PostgresNIO

/// The job store of a cluster: one PostgreSQL database shared by any number of worker processes.
///
/// Same contract as the SQLite store (`JobStore`). Times are the database server's (`statement_timestamp()`),
/// so that the clocks of the workers' machines never decide a lease. Each store registers its process as a
/// worker holding a session advisory lock (`PostgresPresence`); the reaper rescues the running jobs of
/// workers whose session has ended within a second, and those of live workers whose lease expired.
public final class PostgresJobStore: JobStore {
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    private let runTask: Task<Void, Never>
    /// Finishes as the run task enters `client.run()`, which marks the pool running before it suspends.
    private let running: AsyncStream<Void>
    let presence: PostgresPresence
    /// Hears of new work (LISTEN/NOTIFY); nil when the store was opened deaf (a test that drops every notification).
    private let listener: PostgresListener?
    /// A fixed clock for the tests (epoch seconds); nil: the server's.
    private let fixedNow: (@Sendable () -> Double)?

    public var description: String { location.description }
    public var rescueInterval: Double? { 1 }

    /// Connects, migrates and registers this process as a worker. `listens: false` ignores every
    /// notification of new work: idle workers then find it by polling alone.
    public static func connect(url: String, name: String = "textnlp", logger: Logger = Logger(label: "textnlp.jobs"),
                               now: (@Sendable () -> Double)? = nil, listens: Bool = true) async throws -> PostgresJobStore {
        let location = try PostgresLocation(url: url)
        // One direct connection first, which migrates: the pool would wait for the server, this says why it
        // cannot be reached.
        let probe: PostgresConnection
        do {
            probe = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(), id: 0, logger: logger)
        } catch {
            throw PostgresFailure.classify(error, store: location.description, operation: "connect")
        }
        do {
            try await PostgresMigrations.migrate(probe, store: location.description, logger: logger)
            try await probe.close()
        } catch {
            try? await probe.close()
            throw PostgresFailure.classify(error, store: location.description, operation: "migrate")
        }
        let store = PostgresJobStore(location: location, name: name, logger: logger, now: now, listens: listens)
        for await _ in store.running {}
        store.listener?.start()
        do {
            try await store.presence.start()
        } catch {
            await store.close()
            throw PostgresFailure.classify(error, store: location.description, operation: "connect and migrate")
        }
        return store
    }

    private init(location: PostgresLocation, name: String, logger: Logger, now: (@Sendable () -> Double)?, listens: Bool) {
        self.location = location
        self.logger = logger
        fixedNow = now
        let client = PostgresClient(configuration: location.clientConfiguration, backgroundLogger: logger)
        self.client = client
        let (running, started) = AsyncStream<Void>.makeStream()
        self.running = running
        runTask = Task {
            started.finish()
            await client.run()
        }
        presence = PostgresPresence(client: client, name: name, store: location.description, logger: logger)
        listener = listens ? PostgresListener(client: client, store: location.description, logger: logger) : nil
    }

    /// Ends the presence (its jobs are rescued by others unless given back first) and closes the connections.
    public func close() async {
        await presence.stop()
        await listener?.stop()
        runTask.cancel()
        await runTask.value
    }

    public func waitForWork(queues: [String], seconds: Double) async {
        if let listener {
            await listener.wakeups.wait(for: queues, seconds: seconds)
        } else {
            try? await Task.sleep(for: .seconds(seconds))
        }
    }

    /// The statement's time as SQL.
    var now: String {
        fixedNow.map { "(\($0())::float8)" } ?? "(extract(epoch from statement_timestamp())::float8)"
    }

    /// Runs `body` in one transaction in a task of its own: the caller's cancellation cannot cut it short.
    func transaction<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        try await onConnection(operation, inTransaction: true, body)
    }

    /// Runs `body`, whose statements are each atomic on their own (no BEGIN/COMMIT round trips), in a task
    /// of its own like `transaction`.
    func autocommit<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        try await onConnection(operation, inTransaction: false, body)
    }

    private func onConnection<T: Sendable>(_ operation: String, inTransaction: Bool,
                                           _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        let client = self.client, logger = self.logger, store = location.description
        return try await Task {
            do {
                if inTransaction {
                    return try await client.withTransaction(logger: logger) { connection in try await body(connection, logger) }
                }
                return try await client.withConnection { connection in try await body(connection, logger) }
            } catch {
                throw PostgresFailure.classify(error, store: store, operation: operation)
            }
        }.value
    }

    // MARK: - The contract

    @discardableResult
    public func enqueue(_ jobs: [NewJob]) async throws -> Int {
        let now = self.now
        return try await transaction("enqueue \(jobs.count) job(s)") { c, logger in
            let added = try await Self.insert(jobs, now: now, on: c, logger: logger)
            if added > 0 {
                for queue in Set(jobs.map(\.queue)) {
                    try await c.query("SELECT pg_notify(\(PostgresPresence.channel), \(queue))", logger: logger)
                }
            }
            return added
        }
    }

    public func claim(queue: String, owner: String, limit: Int, leaseSeconds: Double) async throws -> [JobRecord] {
        let now = self.now, worker = try presence.workerID(), store = location.description
        // One statement: atomic without a transaction around it.
        return try await autocommit("claim from queue \(queue)") { c, logger in
            let rows = try await c.query("""
                WITH due AS (
                    SELECT j.id FROM textnlp_jobs j
                    WHERE j.queue = \(queue) AND j.run_at <= \(unescaped: now)
                      AND j.state IN ('available', 'retryable', 'scheduled')  -- the claimable index's predicate
                      AND (j.state IN ('available', 'retryable')
                           OR (j.state = 'scheduled' AND NOT EXISTS (
                               SELECT 1 FROM textnlp_job_dependencies d JOIN textnlp_jobs p ON p.id = d.prerequisite_id
                               WHERE d.job_id = j.id AND p.state <> 'completed')))
                    ORDER BY j.priority, j.run_at, j.id
                    LIMIT \(limit)
                    FOR UPDATE OF j SKIP LOCKED)
                UPDATE textnlp_jobs j SET state = 'running', attempt = j.attempt + 1, lease_owner = \(owner),
                       lease_expires_at = \(unescaped: now) + \(leaseSeconds), worker = \(worker),
                       started_at = COALESCE(j.started_at, \(unescaped: now))
                FROM due WHERE j.id = due.id
                RETURNING \(unescaped: PostgresRows.columns("j"))
                """, logger: logger)
            return try await PostgresRows.records(rows, store: store)
                .sorted { ($0.priority, $0.runAt, $0.id) < ($1.priority, $1.runAt, $1.id) }
        }
    }

    public func heartbeat(id: Int64, owner: String, leaseSeconds: Double) async throws -> Bool {
        let now = self.now
        return try await transaction("heartbeat job \(id)") { c, logger in
            let rows = try await c.query("""
                UPDATE textnlp_jobs SET lease_expires_at = \(unescaped: now) + \(leaseSeconds)
                WHERE id = \(id) AND lease_owner = \(owner) AND state = 'running' RETURNING id
                """, logger: logger)
            return try await PostgresRows.count(rows) == 1
        }
    }

    public func complete(id: Int64, owner: String, result: String?, enqueue: [NewJob]) async throws {
        try await complete(id: id, owner: owner, outcome: JobOutcome(result: result, enqueue: enqueue))
    }

    public func complete(id: Int64, owner: String, outcome: JobOutcome) async throws {
        let now = self.now, result = outcome.result, enqueue = outcome.enqueue, artifacts = outcome.artifacts
        try await transaction("complete job \(id)") { c, logger in
            let rows = try await c.query("""
                UPDATE textnlp_jobs SET state = 'completed', result = \(result), finished_at = \(unescaped: now),
                       lease_expires_at = NULL
                WHERE id = \(id) AND lease_owner = \(owner) AND state = 'running' RETURNING grp, cancel_requested
                """, logger: logger)
            var completed: (group: String, cancelled: Bool)?
            for try await (group, cancelled) in rows.decode((String, Bool).self) { completed = (group, cancelled) }
            guard let (group, cancelled) = completed else { throw JobsError.leaseLost(job: id, owner: owner) }
            for artifact in artifacts {
                try await PostgresArtifacts.replace(group: group, name: artifact.name, bytes: artifact.bytes, now: now, on: c, logger: logger)
            }
            let inserted = try await Self.insert(enqueue, now: now, on: c, logger: logger)
            if cancelled {
                // The group was cancelled while this job ran to its end: what it enqueues is cancelled with the rest.
                try await c.query("""
                    UPDATE textnlp_jobs SET state = 'cancelled', finished_at = \(unescaped: now)
                    WHERE grp = \(group) AND state IN ('scheduled', 'available', 'retryable')
                    """, logger: logger)
            } else if inserted > 0 {
                for queue in Set(enqueue.map(\.queue)) {
                    try await c.query("SELECT pg_notify(\(PostgresPresence.channel), \(queue))", logger: logger)
                }
            }
            try await Self.notifyDependents(of: [id], on: c, logger: logger)
        }
    }

    /// Announces the queues of jobs that waited for `ids` (they may be due now).
    static func notifyDependents(of ids: [Int64], on c: PostgresConnection, logger: Logger) async throws {
        try await c.query("""
            SELECT pg_notify(\(PostgresPresence.channel), j.queue) FROM textnlp_job_dependencies d JOIN textnlp_jobs j ON j.id = d.job_id
            WHERE d.prerequisite_id = ANY(\(ids)::int8[]) GROUP BY j.queue
            """, logger: logger)
    }

    /// Completes several running jobs of `owner` (no result, no follow-ups) in one statement: how a worker of
    /// short jobs beats the commit rate. Returns the ids it completed; the others were no longer this owner's.
    @discardableResult
    public func complete(_ ids: [Int64], owner: String) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let now = self.now
        // The update is one statement; the notification after it needs no transaction of its own.
        return try await autocommit("complete \(ids.count) job(s)") { c, logger in
            var done = Set<Int64>()
            for try await id in try await c.query("""
                UPDATE textnlp_jobs SET state = 'completed', finished_at = \(unescaped: now), lease_expires_at = NULL
                WHERE id = ANY(\(ids)::int8[]) AND lease_owner = \(owner) AND state = 'running' RETURNING id
                """, logger: logger).decode(Int64.self) {
                done.insert(id)
            }
            try await Self.notifyDependents(of: Array(done), on: c, logger: logger)
            return done
        }
    }

    @discardableResult
    public func fail(id: Int64, owner: String, message: String, retryAt: Double?) async throws -> JobState {
        let now = self.now, store = location.description
        let retry = retryAt.map { "(\($0)::float8)" }
        return try await transaction("record the failure of job \(id)") { c, logger in
            let retryable = retry == nil ? "false" : "attempt < max_attempts"
            let rows = try await c.query("""
                UPDATE textnlp_jobs SET
                    state = CASE WHEN cancel_requested THEN 'cancelled' WHEN \(unescaped: retryable) THEN 'retryable' ELSE 'discarded' END,
                    errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempt, 'at', \(unescaped: now), 'message', \(message)::text)),
                    run_at = \(unescaped: retry ?? "run_at"),
                    finished_at = CASE WHEN \(unescaped: retryable) AND NOT cancel_requested THEN NULL ELSE \(unescaped: now) END,
                    lease_owner = NULL, lease_expires_at = NULL, worker = NULL
                WHERE id = \(id) AND lease_owner = \(owner) AND state = 'running' RETURNING state
                """, logger: logger)
            var state: String?
            for try await value in rows.decode(String.self) { state = value }
            guard let state else { throw JobsError.leaseLost(job: id, owner: owner) }
            guard let parsed = JobState(rawValue: state) else { throw JobsError.corruptRecord(store: store, job: id, field: "state", value: state) }
            return parsed
        }
    }

    public func release(id: Int64, owner: String) async throws {
        let now = self.now
        try await transaction("release job \(id)") { c, logger in
            try await c.query("""
                UPDATE textnlp_jobs SET
                       state = CASE WHEN cancel_requested THEN 'cancelled' WHEN attempt > 1 THEN 'retryable' ELSE 'available' END,
                       finished_at = CASE WHEN cancel_requested THEN \(unescaped: now) ELSE finished_at END,
                       attempt = attempt - 1, lease_owner = NULL, lease_expires_at = NULL, worker = NULL
                WHERE id = \(id) AND lease_owner = \(owner) AND state = 'running'
                """, logger: logger)
            if let queue = try await PostgresRows.strings(c.query("SELECT queue FROM textnlp_jobs WHERE id = \(id)", logger: logger)).first {
                try await c.query("SELECT pg_notify(\(PostgresPresence.channel), \(queue))", logger: logger)
            }
        }
    }

    @discardableResult
    public func reap() async throws -> Int {
        let now = self.now
        return try await transaction("rescue jobs of ended sessions and expired leases") { c, logger in
            let rows = try await c.query("""
                WITH lost AS (
                    SELECT j.id, j.lease_expires_at < \(unescaped: now) AS expired, j.worker FROM textnlp_jobs j
                    WHERE j.state = 'running'
                      AND (j.lease_expires_at < \(unescaped: now)
                           OR (j.worker IS NOT NULL AND NOT \(unescaped: PostgresPresence.holdsLock("j.worker"))))
                    FOR UPDATE OF j SKIP LOCKED)
                UPDATE textnlp_jobs j SET
                    state = CASE WHEN j.cancel_requested THEN 'cancelled' WHEN j.attempt < j.max_attempts THEN 'retryable' ELSE 'discarded' END,
                    errors = j.errors || jsonb_build_array(jsonb_build_object('attempt', j.attempt, 'at', \(unescaped: now), 'message',
                        CASE WHEN lost.expired THEN 'lease expired (the worker stopped heartbeating)'
                             ELSE 'rescued: worker ' || lost.worker || '''s database session ended' END)),
                    run_at = \(unescaped: now),
                    finished_at = CASE WHEN j.attempt < j.max_attempts AND NOT j.cancel_requested THEN NULL ELSE \(unescaped: now) END,
                    lease_owner = NULL, lease_expires_at = NULL, worker = NULL
                FROM lost WHERE j.id = lost.id RETURNING j.queue
                """, logger: logger)
            let queues = try await PostgresRows.strings(rows)
            for queue in Set(queues) {
                try await c.query("SELECT pg_notify(\(PostgresPresence.channel), \(queue))", logger: logger)
            }
            return queues.count
        }
    }

    @discardableResult
    public func recoverRunning(group: String, message: String) async throws -> Int {
        let now = self.now
        return try await transaction("recover the running jobs of \(group)") { c, logger in
            let rows = try await c.query("""
                UPDATE textnlp_jobs SET
                    state = CASE WHEN attempt < max_attempts THEN 'retryable' ELSE 'discarded' END,
                    errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempt, 'at', \(unescaped: now), 'message', \(message)::text)),
                    run_at = \(unescaped: now),
                    finished_at = CASE WHEN attempt < max_attempts THEN NULL ELSE \(unescaped: now) END,
                    lease_owner = NULL, lease_expires_at = NULL, worker = NULL
                WHERE grp = \(group) AND state = 'running' RETURNING id
                """, logger: logger)
            return try await PostgresRows.count(rows)
        }
    }

    @discardableResult
    public func retryDiscarded(group: String) async throws -> Int {
        let now = self.now
        return try await transaction("retry the discarded jobs of \(group)") { c, logger in
            let rows = try await c.query("""
                UPDATE textnlp_jobs SET state = 'available', max_attempts = attempt + max_attempts, run_at = \(unescaped: now), finished_at = NULL
                WHERE grp = \(group) AND state = 'discarded' RETURNING id
                """, logger: logger)
            return try await PostgresRows.count(rows)
        }
    }

    public func jobs(group: String) async throws -> [JobRecord] {
        let store = location.description
        return try await transaction("list the jobs of \(group)") { c, logger in
            try await PostgresRows.records(c.query("""
                SELECT \(unescaped: PostgresRows.columns("j")) FROM textnlp_jobs j WHERE j.grp = \(group) ORDER BY j.id
                """, logger: logger), store: store)
        }
    }

    public func stateCounts(group: String) async throws -> [JobState: Int] {
        let store = location.description
        return try await transaction("count the jobs of \(group)") { c, logger in
            var counts: [JobState: Int] = [:]
            for try await (text, n) in try await c.query("SELECT state, count(*)::bigint FROM textnlp_jobs WHERE grp = \(group) GROUP BY state",
                                                         logger: logger).decode((String, Int64).self) {
                guard let state = JobState(rawValue: text) else { throw JobsError.corruptRecord(store: store, job: 0, field: "state", value: text) }
                counts[state] = Int(n)
            }
            return counts
        }
    }

    public func job(group: String, key: String) async throws -> JobRecord? {
        let store = location.description
        return try await transaction("read job \(group)/\(key)") { c, logger in
            try await PostgresRows.records(c.query("""
                SELECT \(unescaped: PostgresRows.columns("j")) FROM textnlp_jobs j WHERE j.grp = \(group) AND j.key = \(key)
                """, logger: logger), store: store).first
        }
    }

    @discardableResult
    public func cancel(group: String) async throws -> Int {
        let now = self.now
        return try await transaction("cancel the jobs of \(group)") { c, logger in
            let waiting = try await PostgresRows.count(c.query("""
                UPDATE textnlp_jobs SET state = 'cancelled', finished_at = \(unescaped: now), lease_owner = NULL, lease_expires_at = NULL, worker = NULL
                WHERE grp = \(group) AND state NOT IN ('completed', 'cancelled', 'discarded', 'running') RETURNING id
                """, logger: logger))
            // Running jobs end as cancelled when their workers stop them; they look twice a second.
            let running = try await PostgresRows.count(c.query("""
                UPDATE textnlp_jobs SET cancel_requested = true WHERE grp = \(group) AND state = 'running' RETURNING id
                """, logger: logger))
            return waiting + running
        }
    }

    public func stopRequested(held: [Int64: String]) async throws -> Set<Int64> {
        guard !held.isEmpty else { return [] }
        let ids = Array(held.keys), owners = ids.map { held[$0] ?? "" }
        return try await transaction("check \(held.count) running job(s)") { c, logger in
            var mine = Set<Int64>()
            for try await id in try await c.query("""
                SELECT j.id FROM textnlp_jobs j JOIN unnest(\(ids)::bigint[], \(owners)::text[]) AS h(id, owner)
                  ON j.id = h.id AND j.lease_owner = h.owner
                WHERE j.state = 'running' AND NOT j.cancel_requested
                """, logger: logger).decode(Int64.self) {
                mine.insert(id)
            }
            return Set(ids).subtracting(mine)
        }
    }

    /// Adds jobs (keys already in their group are skipped); returns how many were added. Jobs without
    /// dependencies go in one statement (arrays unnested in order); the others one at a time, after them.
    static func insert(_ jobs: [NewJob], now: String, on c: PostgresConnection, logger: Logger) async throws -> Int {
        let independent = jobs.filter(\.dependsOn.isEmpty)
        var added = 0
        if !independent.isEmpty {
            // A run time of -1 stands for "now" (run times are epoch seconds).
            let rows = try await c.query("""
                INSERT INTO textnlp_jobs (queue, kind, key, grp, payload, state, priority, max_attempts, run_at, created_at)
                SELECT q, k, ky, g, p, CASE WHEN r > \(unescaped: now) THEN 'scheduled' ELSE 'available' END, pr, ma, r, \(unescaped: now)
                FROM (SELECT q, k, ky, g, p, pr, ma, CASE WHEN r < 0 THEN \(unescaped: now) ELSE r END AS r, n
                      FROM unnest(\(independent.map(\.queue))::text[], \(independent.map(\.kind))::text[], \(independent.map(\.key))::text[],
                                  \(independent.map(\.group))::text[], \(independent.map(\.payload))::text[],
                                  \(independent.map { Int32(clamping: $0.priority) })::int4[], \(independent.map { Int32(clamping: $0.maxAttempts) })::int4[],
                                  \(independent.map { $0.runAt ?? -1 })::float8[])
                           WITH ORDINALITY AS t(q, k, ky, g, p, pr, ma, r, n)) AS v
                ORDER BY n
                ON CONFLICT (grp, key) DO NOTHING RETURNING id
                """, logger: logger)
            added += try await PostgresRows.count(rows)
        }
        for job in jobs where !job.dependsOn.isEmpty {
            let runAt = job.runAt.map { "(\($0)::float8)" } ?? now
            let state = job.dependsOn.isEmpty ? "CASE WHEN \(runAt) > \(now) THEN 'scheduled' ELSE 'available' END" : "'scheduled'"
            let rows = try await c.query("""
                INSERT INTO textnlp_jobs (queue, kind, key, grp, payload, state, priority, max_attempts, run_at, created_at)
                VALUES (\(job.queue), \(job.kind), \(job.key), \(job.group), \(job.payload), \(unescaped: state), \(job.priority),
                        \(job.maxAttempts), \(unescaped: runAt), \(unescaped: now))
                ON CONFLICT (grp, key) DO NOTHING RETURNING id
                """, logger: logger)
            var id: Int64?
            for try await value in rows.decode(Int64.self) { id = value }
            guard let id else { continue }
            added += 1
            for dependency in job.dependsOn {
                let inserted = try await c.query("""
                    INSERT INTO textnlp_job_dependencies (job_id, prerequisite_id)
                    SELECT \(id), id FROM textnlp_jobs WHERE grp = \(job.group) AND key = \(dependency) RETURNING prerequisite_id
                    """, logger: logger)
                guard try await PostgresRows.count(inserted) == 1 else {
                    throw JobsError.unknownDependency(group: job.group, key: job.key, dependency: dependency)
                }
            }
        }
        return added
    }
}
