import Foundation
import PostgresNIO
import TextNLPJobs

/// `DATABASE_URL`, the server the PostgreSQL tests use (scripts/pg-test-server starts one; CI always does),
/// and fresh databases on it, one per test.
public enum TestDatabase {
    public static var url: String? { ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } }

    /// Why a PostgreSQL test cannot run, nil when it can. Outside CI the test skips and prints it; in CI
    /// the test records it as a failure (the caller does: this target does not link the test library).
    public static func unavailable(_ test: String) -> (reason: String, isFailure: Bool)? {
        if url != nil { return nil }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            return ("DATABASE_URL is not set: CI must run the PostgreSQL tests (.ci/run starts a server)", true)
        }
        return ("skipped \(test) on PostgreSQL: DATABASE_URL is not set (scripts/pg-test-server start prints one)", false)
    }

    /// A fresh database on the server of `DATABASE_URL`, dropped after `body`.
    public static func withDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        guard let base = url, var components = URLComponents(string: base) else { throw CocoaError(.featureUnsupported) }
        let name = "textnlp_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try await admin("CREATE DATABASE \(name)")
        components.path = "/" + name
        do {
            let result = try await body(components.string ?? base)
            try await admin("DROP DATABASE \(name) WITH (FORCE)")
            return result
        } catch {
            try? await admin("DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
    }

    /// One statement on the database of `DATABASE_URL`, outside any transaction.
    public static func admin(_ sql: String) async throws {
        guard let base = url else { return }
        let location = try PostgresLocation(url: base)
        let client = PostgresClient(configuration: location.clientConfiguration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query(PostgresQuery(unsafeSQL: sql))
        }
    }
}
