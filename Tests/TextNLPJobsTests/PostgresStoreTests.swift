import Foundation
import PostgresNIO
import Testing
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
