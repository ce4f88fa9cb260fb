import Foundation
import PostgresNIO
import Synchronization
import Testing
import TextNLPTestSupport
@testable import TextNLPJobs

/// What only the PostgreSQL store does: migrations shared by workers starting together, a schema from a
/// newer textnlp refused, and errors that name the database.
struct PostgresStoreTests {
    @Test func workersStartingTogetherMigrateOnce() async throws {
        guard TestDatabase.available("concurrent migrations") else { return }
        try await TestDatabase.withDatabase { url in
            let stores = try await withThrowingTaskGroup(of: PostgresJobStore.self) { group in
                for i in 0..<6 { group.addTask { try await PostgresJobStore.connect(url: url, name: "w\(i)") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let location = try PostgresLocation(url: url)
            let versions = try await Self.strings("SELECT version FROM textnlp_schema_versions ORDER BY version", stores[0])
            #expect(versions == JobStoreSchema.versions)
            #expect(location.database.hasPrefix("textnlp_test_"))
            #expect(try await Self.strings("SELECT count(*)::text FROM textnlp_workers", stores[0]) == ["6"])
            for store in stores { await store.close() }
        }
    }

    @Test func aStoreWithAnUnknownSchemaVersionIsRefused() async throws {
        guard TestDatabase.available("schema versions") else { return }
        try await TestDatabase.withDatabase { url in
            let store = try await PostgresJobStore.connect(url: url)
            _ = try await Self.strings("INSERT INTO textnlp_schema_versions (version) VALUES ('99-from-the-future') RETURNING version", store)
            await store.close()
            let error = await #expect(throws: JobsError.self) { try await PostgresJobStore.connect(url: url) }
            #expect(error == .schemaTooNew(store: try PostgresLocation(url: url).description, unknown: ["99-from-the-future"],
                                           known: JobStoreSchema.versions), "\(String(describing: error))")
        }
    }

    @Test func theJobsOfAWorkerWhoseSessionEndedAreRescuedAndSaySo() async throws {
        guard TestDatabase.available("rescue") else { return }
        try await TestDatabase.withDatabase { url in
            let survivor = try await PostgresJobStore.connect(url: url, name: "survivor")
            let doomed = try await PostgresJobStore.connect(url: url, name: "doomed")
            try await survivor.enqueue([NewJob(kind: "k", key: "a", group: "g"), NewJob(kind: "k", key: "b", group: "g")])
            let held = try await doomed.claim(queue: "default", owner: "doomed/0", limit: 1, leaseSeconds: 30)
            #expect(held.map(\.key) == ["a"])
            // Alive: its lease holds, nothing is rescued.
            #expect(try await survivor.reap() == 0)
            // Its session ends, as when the process is killed.
            let worker = try doomed.presence.workerID()
            _ = try await Self.strings("""
                SELECT pg_terminate_backend(l.pid)::text FROM pg_locks l
                WHERE l.locktype = 'advisory' AND l.classid = \(PostgresPresence.namespace)::oid AND l.objid = \(worker)::oid
                  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """, survivor)
            let start = Date()
            var rescued = 0
            while rescued == 0 && Date().timeIntervalSince(start) < 10 {
                rescued = try await survivor.reap()
                if rescued == 0 { try await Task.sleep(for: .milliseconds(50)) }
            }
            print("rescue: the job was back \(Date().timeIntervalSince(start)) s after its worker's session ended")
            #expect(rescued == 1)
            let job = try #require(try await survivor.job(group: "g", key: "a"))
            #expect(job.state == .retryable && job.attempt == 1 && job.leaseOwner == nil)
            #expect(job.errors.map(\.message) == ["rescued: worker \(worker)'s database session ended"])
            // The dead attempt cannot complete; the job runs again as attempt 2.
            await #expect(throws: JobsError.leaseLost(job: job.id, owner: "doomed/0")) {
                try await doomed.complete(id: job.id, owner: "doomed/0", result: nil, enqueue: [])
            }
            let again = try await survivor.claim(queue: "default", owner: "survivor/0", limit: 2, leaseSeconds: 30)
            #expect(Set(again.map(\.key)) == ["a", "b"] && again.first { $0.key == "a" }?.attempt == 2)
            await doomed.close()
            await survivor.close()
        }
    }

    /// Runs a pool of `store` on queue "q" until `expected` jobs completed (or `seconds` passed) while `feed`
    /// enqueues through another store; returns how many completed and when each did.
    static func work(_ store: PostgresJobStore, pollSeconds: Double, expected: Int, seconds: Double,
                     feed: @escaping @Sendable () async throws -> Void) async throws -> [Date] {
        let done = Mutex<[Date]>([])
        let pool = WorkerPool(store: store, queue: "q", owner: "w", handlers: ["k": { _ in
            done.withLock { $0.append(Date()) }
            return JobOutcome()
        }], concurrency: 2, pollSeconds: pollSeconds)
        let running = Task { try await pool.run(until: { false }) }
        try await feed()
        let deadline = Date().addingTimeInterval(seconds)
        while done.withLock({ $0.count }) < expected && Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        running.cancel()
        try await running.value
        return done.withLock { $0 }
    }

    @Test func idleWorkersWakeOnNotificationsNotOnTheirPoll() async throws {
        guard TestDatabase.available("wake-up on NOTIFY") else { return }
        try await TestDatabase.withDatabase { url in
            let worker = try await PostgresJobStore.connect(url: url, name: "worker")
            let submitter = try await PostgresJobStore.connect(url: url, name: "submitter")
            let enqueued = Mutex<[Date]>([])
            // The pool polls every 30 s: only a notification can bring each job in much sooner.
            let done = try await Self.work(worker, pollSeconds: 30, expected: 3, seconds: 25) {
                for i in 0..<3 {
                    try await Task.sleep(for: .milliseconds(400))
                    enqueued.withLock { $0.append(Date()) }
                    try await submitter.enqueue([NewJob(kind: "k", key: "j\(i)", group: "g", queue: "q")])
                }
            }
            let latencies = zip(enqueued.withLock { $0 }, done).map { $1.timeIntervalSince($0) }
            print("NOTIFY: idle workers picked up new jobs after \(latencies.map { String(format: "%.3f", $0) }.joined(separator: ", ")) s (poll 30 s)")
            #expect(done.count == 3)
            #expect(latencies.allSatisfy { $0 < 10 }, "\(latencies)")
            await submitter.close()
            await worker.close()
        }
    }

    @Test func workStillFlowsWhenEveryNotificationIsDropped() async throws {
        guard TestDatabase.available("polling without NOTIFY") else { return }
        try await TestDatabase.withDatabase { url in
            let deaf = try await PostgresJobStore.connect(url: url, name: "deaf", listens: false)
            let submitter = try await PostgresJobStore.connect(url: url, name: "submitter")
            let done = try await Self.work(deaf, pollSeconds: 0.2, expected: 20, seconds: 60) {
                for round in 0..<4 {
                    try await Task.sleep(for: .milliseconds(300))
                    try await submitter.enqueue((0..<5).map { NewJob(kind: "k", key: "r\(round)-\($0)", group: "g", queue: "q") })
                }
            }
            #expect(done.count == 20)
            let states = try await submitter.stateCounts(group: "g")
            #expect(states == [.completed: 20], "\(states)")
            await submitter.close()
            await deaf.close()
        }
    }

    @Test func badURLsAndUnreachableServersNameTheDatabase() async throws {
        #expect(throws: JobsError.badDatabaseURL(reason: "not a postgres:// URL")) { try PostgresLocation(url: "mysql://x@h/db") }
        #expect(throws: JobsError.badDatabaseURL(reason: "no host")) { try PostgresLocation(url: "postgres:///db") }
        #expect(try PostgresLocation(url: "postgres://u:secret@db.example:6543/prod").description == "postgres://db.example:6543/prod")
        // Nothing listens on port 1 of loopback: refused at once.
        let error = await #expect(throws: JobsError.self) {
            try await PostgresJobStore.connect(url: "postgres://textnlp:x@127.0.0.1:1/nowhere?sslmode=disable")
        }
        #expect(error?.description.hasPrefix("job store postgres://127.0.0.1:1/nowhere: connect: cannot reach the database:") == true, "\(String(describing: error))")
        #expect(error?.description.contains("secret") == false)
    }

    /// One query's text column through the store's own pool.
    static func strings(_ sql: String, _ store: PostgresJobStore) async throws -> [String] {
        try await PostgresRows.strings(store.client.query(PostgresQuery(unsafeSQL: sql)))
    }
}
