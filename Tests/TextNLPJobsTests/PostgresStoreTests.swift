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
