import Foundation
import GRDB
import Testing
@testable import TextNLPJobs

/// Versioned migrations of the SQLite store: an older store keeps every job, a newer one is refused,
/// and a state this version does not know is an error rather than a guess.
struct MigrationTests {
    struct Expected: Decodable {
        var key: String
        var kind: String
        var state: String
        var attempt: Int
        var max_attempts: Int
        var payload: String
        var errors: [String]
        var result: String?
        var lease_owner: String?
    }

    static func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
    }

    /// A store file made from the fixture's SQL, as the release before versioned migrations wrote it.
    static func unversionedStore() throws -> (path: String, dir: String) {
        let dir = NSTemporaryDirectory() + "jobs-migrate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/jobs.sqlite"
        var config = Configuration()
        config.foreignKeysEnabled = false   // the dump creates job_dependencies before jobs
        let queue = try DatabaseQueue(path: path, configuration: config)
        // The dump's own BEGIN/COMMIT are dropped: GRDB wraps the statements in one transaction.
        let sql = try String(contentsOf: fixture("jobs-unversioned.sql"), encoding: .utf8).split(separator: "\n")
            .filter { $0 != "BEGIN TRANSACTION;" && $0 != "COMMIT;" }.joined(separator: "\n")
        try queue.write { db in try db.execute(sql: sql) }
        try queue.close()
        return (path, dir)
    }

    @Test func migratingTheUnversionedSchemaKeepsEveryJob() async throws {
        let (path, dir) = try Self.unversionedStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let expected = try JSONDecoder().decode([Expected].self, from: Data(contentsOf: Self.fixture("jobs-unversioned.expected.json")))
        let store = try SQLiteJobStore(path: path)
        #expect(try await store.appliedVersions() == JobStoreSchema.versions)
        let jobs = try await store.jobs(group: "batch-1")
        #expect(jobs.count == expected.count)
        for (job, want) in zip(jobs, expected) {
            #expect(job.key == want.key && job.kind == want.kind && job.state.rawValue == want.state, "\(job.key)")
            #expect(job.attempt == want.attempt && job.maxAttempts == want.max_attempts && job.payload == want.payload, "\(job.key)")
            #expect(job.errors.map(\.message) == want.errors && job.result == want.result && job.leaseOwner == want.lease_owner, "\(job.key)")
        }
        // The dependencies came along: finalize waits for the shards that are not completed yet.
        try await store.recoverRunning(group: "batch-1", message: "recovered")
        let claimed = try await store.claim(queue: "cpu", owner: "w", limit: 10, leaseSeconds: 30)
        #expect(Set(claimed.map(\.key)) == ["shard-00001", "shard-00002"])
        // Opening again is a no-op.
        #expect(try await SQLiteJobStore(path: path).appliedVersions() == JobStoreSchema.versions)
    }

    @Test func anUnknownStateIsAnErrorThatNamesTheJob() async throws {
        let (path, dir) = try Self.unversionedStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteJobStore(path: path)
        do {
            _ = try await store.jobs(group: "batch-odd")
            Issue.record("a job in state 'paused' was read")
        } catch let JobsError.corruptRecord(storePath, _, field, value) {
            #expect(storePath == path && field == "state" && value == "paused")
        }
    }

    @Test func aStoreFromANewerVersionIsRefused() async throws {
        let (path, dir) = try Self.unversionedStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try SQLiteJobStore(path: path)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('3-from-the-future')") }
        try queue.close()
        #expect(throws: JobsError.schemaTooNew(store: path, unknown: ["3-from-the-future"], known: JobStoreSchema.versions)) {
            _ = try SQLiteJobStore(path: path)
        }
        let message = "\(JobsError.schemaTooNew(store: path, unknown: ["3-from-the-future"], known: JobStoreSchema.versions))"
        #expect(message.contains(path) && message.contains("newer textnlp"))
    }
}
