import Foundation
import Synchronization
import Testing
@testable import TextNLPJobs

/// A clock the tests move by hand.
final class TestClock: Sendable {
    private let time = Mutex<Double>(1_000_000)
    var now: Double { time.withLock { $0 } }
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
}

func makeStore(clock: TestClock? = nil) throws -> (SQLiteJobStore, String) {
    let dir = NSTemporaryDirectory() + "jobs-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/jobs.sqlite"
    if let clock {
        return (try SQLiteJobStore(path: path, now: { clock.now }), dir)
    }
    return (try SQLiteJobStore(path: path), dir)
}

/// The `JobStore` contract, on both stores: every test runs on SQLite and on PostgreSQL.
struct JobStoreTests {
    @Test(arguments: StoreKind.allCases)
    func claimsInPriorityRunTimeAndIdOrderAndCountsAttemptsFromOne(_ kind: StoreKind) async throws {
        let clock = TestClock()
        try await withStore(kind, clock: clock) { store, fixture in
            try await store.enqueue([
                NewJob(kind: "k", key: "low", group: "g", priority: 5),
                NewJob(kind: "k", key: "a", group: "g"),
                NewJob(kind: "k", key: "later", group: "g", runAt: clock.now + 60),
                NewJob(kind: "k", key: "b", group: "g"),
            ])
            let first = try await store.claim(queue: "default", owner: "w", limit: 10, leaseSeconds: 30)
            #expect(first.map(\.key) == ["a", "b", "low"])
            #expect(first.allSatisfy { $0.attempt == 1 && $0.state == .running && $0.leaseOwner == "w" })
            #expect(try await store.claim(queue: "default", owner: "w", limit: 10, leaseSeconds: 30).isEmpty)
            clock.advance(61)
            #expect(try await store.claim(queue: "default", owner: "w", limit: 10, leaseSeconds: 30).map(\.key) == ["later"])
            #expect(try await store.claim(queue: "other", owner: "w", limit: 10, leaseSeconds: 30).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func enqueueIsIdempotentByKey(_ kind: StoreKind) async throws {
        try await withStore(kind) { store, fixture in
            #expect(try await store.enqueue([NewJob(kind: "k", key: "x", group: "g")]) == 1)
            #expect(try await store.enqueue([NewJob(kind: "k", key: "x", group: "g", payload: "{\"changed\":1}")]) == 0)
            #expect(try await store.enqueue([NewJob(kind: "k", key: "x", group: "h")]) == 1)
            let jobs = try await store.jobs(group: "g")
            #expect(jobs.count == 1 && jobs[0].payload == "{}")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func dependentJobWaitsForEveryPrerequisite(_ kind: StoreKind) async throws {
        try await withStore(kind) { store, fixture in
            try await store.enqueue([NewJob(kind: "s", key: "s1", group: "g"), NewJob(kind: "s", key: "s2", group: "g"),
                                     NewJob(kind: "f", key: "final", group: "g", dependsOn: ["s1", "s2"])])
            let shards = try await store.claim(queue: "default", owner: "w", limit: 10, leaseSeconds: 30)
            #expect(shards.map(\.key) == ["s1", "s2"])
            try await store.complete(id: shards[0].id, owner: "w", result: nil, enqueue: [])
            #expect(try await store.claim(queue: "default", owner: "w", limit: 10, leaseSeconds: 30).isEmpty)
            try await store.complete(id: shards[1].id, owner: "w", result: "{}", enqueue: [])
            // A completed job keeps the worker that completed it; its lease is gone.
            let done = try #require(try await store.job(group: "g", key: "s2"))
            #expect(done.state == .completed && done.leaseOwner == "w" && done.leaseExpiresAt == nil)
            #expect(try await store.claim(queue: "default", owner: "w", limit: 10, leaseSeconds: 30).map(\.key) == ["final"])
            await #expect(throws: JobsError.unknownDependency(group: "g", key: "x", dependency: "nope")) {
                try await store.enqueue([NewJob(kind: "f", key: "x", group: "g", dependsOn: ["nope"])])
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func completeAddsFollowUpJobsInTheSameTransaction(_ kind: StoreKind) async throws {
        try await withStore(kind) { store, fixture in
            try await store.enqueue([NewJob(kind: "ingest", key: "ingest", group: "g")])
            let job = try await store.claim(queue: "default", owner: "w", limit: 1, leaseSeconds: 30)[0]
            try await store.complete(id: job.id, owner: "w", result: "{\"shards\":2}", enqueue: [
                NewJob(kind: "s", key: "s0", group: "g"), NewJob(kind: "s", key: "s1", group: "g"),
                NewJob(kind: "f", key: "f", group: "g", dependsOn: ["s0", "s1"]),
            ])
            let jobs = try await store.jobs(group: "g")
            #expect(jobs.map(\.state) == [.completed, .available, .available, .scheduled])
            #expect(jobs[0].result == "{\"shards\":2}")
            // Someone else's lease cannot complete a job.
            let s0 = try await store.claim(queue: "default", owner: "w1", limit: 1, leaseSeconds: 30)[0]
            await #expect(throws: JobsError.leaseLost(job: s0.id, owner: "w2")) {
                try await store.complete(id: s0.id, owner: "w2", result: nil, enqueue: [NewJob(kind: "x", key: "x", group: "g")])
            }
            #expect(try await store.jobs(group: "g").count == 4)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func failuresRetryWithTheirErrorsThenDiscard(_ kind: StoreKind) async throws {
        let clock = TestClock()
        try await withStore(kind, clock: clock) { store, fixture in
            try await store.enqueue([NewJob(kind: "k", key: "j", group: "g", maxAttempts: 3)])
            for attempt in 1...3 {
                let job = try await store.claim(queue: "default", owner: "w", limit: 1, leaseSeconds: 30)
                #expect(job.map(\.attempt) == [attempt])
                let state = try await store.fail(id: job[0].id, owner: "w", message: "boom \(attempt)", retryAt: clock.now + 10)
                #expect(state == (attempt < 3 ? .retryable : .discarded))
                #expect(try await store.claim(queue: "default", owner: "w", limit: 1, leaseSeconds: 30).isEmpty)
                clock.advance(10)
            }
            let job = try await store.jobs(group: "g")[0]
            #expect(job.state == .discarded)
            #expect(job.errors.map(\.attempt) == [1, 2, 3])
            #expect(job.errors.map(\.message) == ["boom 1", "boom 2", "boom 3"])
            // Running the batch again gives it as many attempts again; numbering and history go on.
            #expect(try await store.retryDiscarded(group: "g") == 1)
            let again = try await store.claim(queue: "default", owner: "w", limit: 1, leaseSeconds: 30)
            #expect(again.map(\.attempt) == [4])
            #expect(again.first?.maxAttempts == 6)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func permanentFailureDiscardsAtOnce(_ kind: StoreKind) async throws {
        try await withStore(kind) { store, fixture in
            try await store.enqueue([NewJob(kind: "k", key: "j", group: "g", maxAttempts: 5)])
            let job = try await store.claim(queue: "default", owner: "w", limit: 1, leaseSeconds: 30)[0]
            #expect(try await store.fail(id: job.id, owner: "w", message: "bad data", retryAt: nil) == .discarded)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func expiredLeasesAreReapedAndHeartbeatsKeepThem(_ kind: StoreKind) async throws {
        let clock = TestClock()
        try await withStore(kind, clock: clock) { store, fixture in
            try await store.enqueue([NewJob(kind: "k", key: "alive", group: "g"), NewJob(kind: "k", key: "dead", group: "g")])
            let jobs = try await store.claim(queue: "default", owner: "w", limit: 2, leaseSeconds: 10)
            clock.advance(8)
            #expect(try await store.heartbeat(id: jobs[0].id, owner: "w", leaseSeconds: 10))
            #expect(try await store.heartbeat(id: jobs[0].id, owner: "intruder", leaseSeconds: 10) == false)
            clock.advance(5)
            #expect(try await store.reap() == 1)
            let after = try await store.jobs(group: "g")
            #expect(after.map(\.state) == [.running, .retryable])
            #expect(after[1].errors.first?.message.contains("lease expired") == true)
            // The reaped job runs again as attempt 2; the old owner's heartbeat and completion are refused.
            #expect(try await store.heartbeat(id: jobs[1].id, owner: "w", leaseSeconds: 10) == false)
            let retried = try await store.claim(queue: "default", owner: "w2", limit: 1, leaseSeconds: 10)
            #expect(retried.map(\.key) == ["dead"] && retried[0].attempt == 2)
            await #expect(throws: JobsError.self) { try await store.complete(id: jobs[1].id, owner: "w", result: nil, enqueue: []) }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func releaseGivesTheAttemptBackAndRecoveryCountsIt(_ kind: StoreKind) async throws {
        try await withStore(kind) { store, fixture in
            try await store.enqueue([NewJob(kind: "k", key: "a", group: "g"), NewJob(kind: "k", key: "b", group: "g")])
            let jobs = try await store.claim(queue: "default", owner: "w", limit: 2, leaseSeconds: 30)
            try await store.release(id: jobs[0].id, owner: "w")
            #expect(try await store.recoverRunning(group: "g", message: "process ended") == 1)
            let after = try await store.jobs(group: "g")
            #expect(after.map(\.state) == [.available, .retryable])
            #expect(after.map(\.attempt) == [0, 1])
            #expect(after[1].errors.map(\.message) == ["process ended"])
            #expect(try await store.claim(queue: "default", owner: "w", limit: 2, leaseSeconds: 30).map(\.attempt) == [1, 2])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentWorkersNeverClaimTheSameJob(_ kind: StoreKind) async throws {
        try await withStore(kind) { store, fixture in
            try await store.enqueue((0..<300).map { NewJob(kind: "k", key: "j\($0)", group: "g") })
            // Four more connections to the same store, as four processes would have.
            var stores: [any JobStore] = []
            for _ in 0..<4 { stores.append(try await fixture.open()) }
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for (i, s) in stores.enumerated() {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let jobs = try await s.claim(queue: "default", owner: "w\(i)", limit: 3, leaseSeconds: 30)
                            if jobs.isEmpty { return mine }
                            for job in jobs {
                                mine.append(job.id)
                                try await s.complete(id: job.id, owner: "w\(i)", result: nil, enqueue: [])
                            }
                        }
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            #expect(claimed.count == 300)
            #expect(Set(claimed).count == 300)
            #expect(try await store.jobs(group: "g").allSatisfy { $0.state == .completed && $0.attempt == 1 })
        }
    }

    @Test(arguments: StoreKind.allCases)
    func cancelStopsEverythingUnfinished(_ kind: StoreKind) async throws {
        try await withStore(kind) { store, fixture in
            try await store.enqueue([NewJob(kind: "k", key: "a", group: "g"), NewJob(kind: "k", key: "b", group: "g")])
            let a = try await store.claim(queue: "default", owner: "w", limit: 1, leaseSeconds: 30)[0]
            try await store.complete(id: a.id, owner: "w", result: nil, enqueue: [])
            #expect(try await store.stateCounts(group: "g") == [.completed: 1, .available: 1])
            #expect(try await store.job(group: "g", key: "b")?.state == .available)
            #expect(try await store.job(group: "g", key: "zz") == nil)
            #expect(try await store.cancel(group: "g") == 1)
            #expect(try await store.jobs(group: "g").map(\.state) == [.completed, .cancelled])
        }
    }

    /// A job that runs to its end after its group was cancelled completes, but what it enqueues (an ingest's
    /// shards) is cancelled with the rest instead of running.
    @Test(arguments: StoreKind.allCases)
    func whatAJobEnqueuesAfterItsGroupWasCancelledIsCancelled(_ kind: StoreKind) async throws {
        try await withStore(kind) { store, fixture in
            try await store.enqueue([NewJob(kind: "k", key: "ingest", group: "g"), NewJob(kind: "k", key: "other", group: "h")])
            let ingest = try await store.claim(queue: "default", owner: "w", limit: 1, leaseSeconds: 30)[0]
            #expect(try await store.cancel(group: "g") == 1)
            try await store.complete(id: ingest.id, owner: "w", result: nil,
                                     enqueue: [NewJob(kind: "k", key: "shard-0", group: "g"), NewJob(kind: "k", key: "shard-1", group: "g")])
            #expect(try await store.jobs(group: "g").map(\.state) == [.completed, .cancelled, .cancelled])
            #expect(try await store.claim(queue: "default", owner: "w", limit: 5, leaseSeconds: 30).map(\.key) == ["other"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aCancelledRunningJobEndsCancelledWhenItsWorkerStopsIt(_ kind: StoreKind) async throws {
        try await withStore(kind) { store, fixture in
            try await store.enqueue((0..<4).map { NewJob(kind: "k", key: "j\($0)", group: "g") } + [NewJob(kind: "k", key: "other", group: "h")])
            let held = try await store.claim(queue: "default", owner: "w", limit: 3, leaseSeconds: 30)
            let other = try await store.claim(queue: "default", owner: "w2", limit: 2, leaseSeconds: 30)
            #expect(held.map(\.key) == ["j0", "j1", "j2"] && other.map(\.key) == ["j3", "other"])
            let owners = Dictionary(uniqueKeysWithValues: (held + other).map { ($0.id, $0.leaseOwner ?? "") })
            #expect(try await store.stopRequested(held: owners).isEmpty)
            // A job held under another owner's name is reported as not this one's.
            #expect(try await store.stopRequested(held: [held[0].id: "w2"]) == [held[0].id])

            #expect(try await store.cancel(group: "g") == 4)
            #expect(try await store.stopRequested(held: owners) == Set((held + [other[0]]).map(\.id)))
            let running = try await store.jobs(group: "g").filter { $0.state == .running }
            #expect(running.count == 4 && running.allSatisfy(\.cancelRequested))
            // Given back, failed, finished: cancelled, cancelled, completed; the other group is untouched.
            try await store.release(id: held[0].id, owner: "w")
            #expect(try await store.fail(id: held[1].id, owner: "w", message: "stopped", retryAt: 0) == .cancelled)
            try await store.complete(id: held[2].id, owner: "w", result: nil, enqueue: [])
            try await store.release(id: other[0].id, owner: "w2")
            #expect(try await store.jobs(group: "g").map(\.state) == [.cancelled, .cancelled, .completed, .cancelled])
            #expect(try await store.claim(queue: "default", owner: "w", limit: 5, leaseSeconds: 30).isEmpty)
            #expect(try await store.job(group: "h", key: "other")?.state == .running)
            #expect(try await store.stopRequested(held: [other[1].id: "w2"]).isEmpty)
        }
    }
}
