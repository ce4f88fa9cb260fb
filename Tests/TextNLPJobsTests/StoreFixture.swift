import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing
import TextNLPTestSupport
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

extension TestDatabase {
    /// Whether a PostgreSQL test can run; outside CI without a server it is skipped with a printed reason, in
    /// CI it fails.
    static func available(_ test: String) -> Bool {
        guard let (reason, isFailure) = unavailable(test) else { return true }
        if isFailure { Issue.record(Comment(rawValue: reason)) } else { print(reason) }
        return false
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
