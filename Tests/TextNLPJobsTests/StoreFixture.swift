import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing
@testable import TextNLPJobs

/// The stores the contract suite runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A store under test and how to open more connections to the same data (as other processes would).
struct StoreFixture: Sendable {
    let kind: StoreKind
    let open: @Sendable () async throws -> any JobStore
}

/// `DATABASE_URL`, the server the PostgreSQL tests use (scripts/pg-test-server starts one; CI always does).
enum TestDatabase {
    static var url: String? { ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } }

    /// Whether a PostgreSQL test can run; outside CI without a server it is skipped with a printed reason, in
    /// CI it fails.
    static func available(_ test: String) -> Bool {
        if url != nil { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("DATABASE_URL is not set: CI must run the PostgreSQL tests (.ci/run starts a server)")
        } else {
            print("skipped \(test) on PostgreSQL: DATABASE_URL is not set (scripts/pg-test-server start prints one)")
        }
        return false
    }

    /// A fresh database on the server of `DATABASE_URL`, dropped after `body`.
    static func withDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
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
    static func admin(_ sql: String) async throws {
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

/// Runs `body` on a new, empty store of `kind`, with a fixed clock when one is given.
func withStore(_ kind: StoreKind, clock: TestClock? = nil, _ body: (any JobStore, StoreFixture) async throws -> Void) async throws {
    var now: (@Sendable () -> Double)?
    if let clock { now = { clock.now } }
    switch kind {
    case .sqlite:
        let dir = NSTemporaryDirectory() + "jobs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/jobs.sqlite"
        let store: SQLiteJobStore
        if let now {
            store = try SQLiteJobStore(path: path, now: now)
        } else {
            store = try SQLiteJobStore(path: path)
        }
        try await body(store, StoreFixture(kind: kind, open: { try SQLiteJobStore(path: path) }))
    case .postgres:
        guard TestDatabase.available("a store contract test") else { return }
        try await TestDatabase.withDatabase { url in
            let store = try await PostgresJobStore.connect(url: url, name: "test", now: now)
            let others = OpenedStores()
            do {
                try await body(store, StoreFixture(kind: kind, open: {
                    let s = try await PostgresJobStore.connect(url: url, name: "test")
                    others.add(s)
                    return s
                }))
            } catch {
                await store.close()
                await others.closeAll()
                throw error
            }
            await store.close()
            await others.closeAll()
        }
    }
}

/// Stores a test opened beside its own, closed at its end.
final class OpenedStores: Sendable {
    private let stores = Mutex<[PostgresJobStore]>([])
    func add(_ store: PostgresJobStore) { stores.withLock { $0.append(store) } }
    func closeAll() async {
        for store in stores.withLock({ $0 }) { await store.close() }
    }
}
