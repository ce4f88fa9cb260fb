import Foundation
import Synchronization
@testable import TextNLPJobs

/// A real SQLite store behind a fault injector: heartbeats fail (throw) while `failHeartbeats` is above zero.
final class FaultyStore: JobStore {
    let inner: SQLiteJobStore
    let failHeartbeats: Mutex<Int>

    init(_ inner: SQLiteJobStore, failHeartbeats: Int) {
        self.inner = inner
        self.failHeartbeats = Mutex(failHeartbeats)
    }

    func heartbeat(id: Int64, owner: String, leaseSeconds: Double) async throws -> Bool {
        let fail = failHeartbeats.withLock { n in
            defer { n = max(0, n - 1) }
            return n > 0
        }
        if fail { throw JobsError.unavailable(store: "faulty", operation: "heartbeat job \(id)", reason: "injected fault") }
        return try await inner.heartbeat(id: id, owner: owner, leaseSeconds: leaseSeconds)
    }

    func enqueue(_ jobs: [NewJob]) async throws -> Int { try await inner.enqueue(jobs) }
    func claim(queue: String, owner: String, limit: Int, leaseSeconds: Double) async throws -> [JobRecord] {
        try await inner.claim(queue: queue, owner: owner, limit: limit, leaseSeconds: leaseSeconds)
    }
    func complete(id: Int64, owner: String, result: String?, enqueue: [NewJob]) async throws {
        try await inner.complete(id: id, owner: owner, result: result, enqueue: enqueue)
    }
    func fail(id: Int64, owner: String, message: String, retryAt: Double?) async throws -> JobState {
        try await inner.fail(id: id, owner: owner, message: message, retryAt: retryAt)
    }
    func release(id: Int64, owner: String) async throws { try await inner.release(id: id, owner: owner) }
    func reap() async throws -> Int { try await inner.reap() }
    func recoverRunning(group: String, message: String) async throws -> Int { try await inner.recoverRunning(group: group, message: message) }
    func retryDiscarded(group: String) async throws -> Int { try await inner.retryDiscarded(group: group) }
    func jobs(group: String) async throws -> [JobRecord] { try await inner.jobs(group: group) }
    func stateCounts(group: String) async throws -> [JobState: Int] { try await inner.stateCounts(group: group) }
    func job(group: String, key: String) async throws -> JobRecord? { try await inner.job(group: group, key: key) }
    func cancel(group: String) async throws -> Int { try await inner.cancel(group: group) }
    func stopRequested(held: [Int64: String]) async throws -> Set<Int64> { try await inner.stopRequested(held: held) }
}

/// Log messages kept for the tests to read.
final class CapturedLog: Sendable {
    let messages = Mutex<[String]>([])
    var all: [String] { messages.withLock { $0 } }
}
