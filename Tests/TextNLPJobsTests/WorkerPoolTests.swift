import Foundation
import Synchronization
import Testing
@testable import TextNLPJobs

struct Flaky: Error, CustomStringConvertible {
    var description: String { "flaky failure" }
}

struct WorkerPoolTests {
    @Test func retriesUntilSuccessKeepingEveryError() async throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await store.enqueue([NewJob(kind: "flaky", key: "f", group: "g", maxAttempts: 5),
                                 NewJob(kind: "bad", key: "b", group: "g", maxAttempts: 5)])
        let calls = Mutex(0)
        // Leases far longer than the test: the model tests running beside it can hold both cooperative threads
        // for seconds, and an expired lease would add its own error to the history checked below.
        let pool = WorkerPool(
            store: store, queue: "default", owner: "t",
            handlers: [
                "flaky": { job in
                    calls.withLock { $0 += 1 }
                    if job.attempt < 3 { throw Flaky() }
                    return JobOutcome(result: "{\"ok\":true}")
                },
                "bad": { _ in throw PermanentJobError("cannot work") },
            ],
            concurrency: 2, leaseSeconds: 120, pollSeconds: 0.01, retry: RetryPolicy(base: 0.01, factor: 2, cap: 0.05, jitter: 0))
        try await pool.run { try await store.jobs(group: "g").allSatisfy(\.state.isFinal) }
        let jobs = try await store.jobs(group: "g")
        #expect(jobs[0].state == .completed && jobs[0].attempt == 3)
        #expect(jobs[0].errors.map(\.message) == ["flaky failure", "flaky failure"])
        #expect(jobs[0].result == "{\"ok\":true}")
        #expect(jobs[1].state == .discarded && jobs[1].attempt == 1)
        #expect(jobs[1].errors.map(\.message) == ["cannot work"])
        #expect(calls.withLock { $0 } == 3)
    }

    @Test func cancellingThePoolReleasesRunningJobsWithoutSpendingAttempts() async throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await store.enqueue([NewJob(kind: "slow", key: "s", group: "g")])
        let pool = WorkerPool(store: store, queue: "default", owner: "t",
                              handlers: ["slow": { _ in try await Task.sleep(for: .seconds(30)); return JobOutcome() }],
                              leaseSeconds: 120, pollSeconds: 0.01)
        let task = Task { try await pool.run { false } }
        while try await store.jobs(group: "g")[0].state != .running { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        _ = await task.result
        let job = try await store.jobs(group: "g")[0]
        #expect(job.state == .available)
        #expect(job.attempt == 0)
        #expect(job.errors.isEmpty)
    }

    @Test func backoffGrowsExponentiallyWithinItsCapAndJitter() {
        let policy = RetryPolicy(base: 1, factor: 2, cap: 30, jitter: 0.2)
        #expect(policy.delay(afterAttempt: 1, random: 0.5) == 1)
        #expect(policy.delay(afterAttempt: 4, random: 0.5) == 8)
        #expect(policy.delay(afterAttempt: 10, random: 0.5) == 30)
        #expect(policy.delay(afterAttempt: 3, random: 0) == 4 * 0.8)
        #expect(abs(policy.delay(afterAttempt: 3, random: 0.999_999) - 4 * 1.2) < 1e-5)
    }

    @Test func aFailedHeartbeatStopsTheJobAndGivesItBack() async throws {
        let (sqlite, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = FaultyStore(sqlite, failHeartbeats: 1)
        _ = try await store.enqueue([NewJob(kind: "slow", key: "s", group: "g")])
        let starts = Mutex(0), cancelled = Mutex(0)
        let log = CapturedLog()
        let pool = WorkerPool(
            store: store, queue: "default", owner: "t",
            handlers: ["slow": { _ in
                let n = starts.withLock { $0 += 1; return $0 }
                if n == 1 {
                    // The first attempt runs until the failed heartbeat stops it.
                    do { try await Task.sleep(for: .seconds(60)) } catch { cancelled.withLock { $0 += 1 }; throw error }
                }
                return JobOutcome(result: "{}")
            }],
            leaseSeconds: 120, heartbeatSeconds: 0.1, pollSeconds: 0.01, logger: CapturingLogHandler.logger(log))
        try await pool.run { try await store.jobs(group: "g").allSatisfy(\.state.isFinal) }
        let job = try await store.jobs(group: "g")[0]
        #expect(cancelled.withLock { $0 } == 1, "the first attempt was not stopped")
        #expect(starts.withLock { $0 } == 2)
        // Given back, not failed: the second run is attempt 1 again and no error was recorded.
        #expect(job.state == .completed && job.attempt == 1 && job.errors.isEmpty)
        #expect(log.all.contains { $0.hasPrefix("error:") && $0.contains("heartbeat") && $0.contains("injected fault") }, "\(log.all)")
    }

    struct Unloadable: ClassifiedFailure, CustomStringConvertible {
        var disposition: FailureDisposition { .stop }
        var description: String { "model.gguf: file is truncated" }
    }

    @Test func aStoppingFailureIsRecordedOnceAndTheOtherJobsAreGivenBack() async throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await store.enqueue((0..<6).map { NewJob(kind: "shard", key: "s\($0)", group: "g", maxAttempts: 5) })
        let calls = Mutex(0)
        let pool = WorkerPool(
            store: store, queue: "default", owner: "t",
            handlers: ["shard": { _ in
                calls.withLock { $0 += 1 }
                try await Task.sleep(for: .milliseconds(50))
                throw Unloadable()
            }],
            concurrency: 3, leaseSeconds: 120, pollSeconds: 0.01)
        try await pool.run { false }   // returns because of the stop, not because of `done`
        let jobs = try await store.jobs(group: "g")
        let discarded = jobs.filter { $0.state == .discarded }
        #expect(discarded.count == 1)
        #expect(discarded.first?.errors.map(\.message) == ["model.gguf: file is truncated"])
        #expect(discarded.first?.attempt == 1)
        #expect(jobs.allSatisfy { $0.state == .discarded || ($0.state == .available && $0.attempt == 0 && $0.errors.isEmpty) })
        #expect(calls.withLock { $0 } <= 3, "jobs were claimed after the stop")
    }

    @Test func aJobThatFinishesDuringAStopIsCompletedNotRedone() async throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await store.enqueue([NewJob(kind: "k", key: "a", group: "g")])
        let started = Mutex(false)
        let pool = WorkerPool(
            store: store, queue: "default", owner: "t",
            handlers: ["k": { _ in
                started.withLock { $0 = true }
                // Ignores cancellation, like a part already being written when the stop comes.
                let until = Date().addingTimeInterval(0.3)
                while Date() < until { usleep(10_000) }
                return JobOutcome(result: "{\"done\":true}")
            }],
            leaseSeconds: 120, pollSeconds: 0.01)
        let task = Task { try await pool.run { false } }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        try await task.value
        let job = try await store.jobs(group: "g")[0]
        #expect(job.state == .completed && job.result == "{\"done\":true}" && job.attempt == 1)
    }

    @Test func storeOperationsRunToTheirEndInACancelledTask() async throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await store.enqueue((0..<20).map { NewJob(kind: "k", key: "j\($0)", group: "g") })
        // Every operation asked for by a task that is already cancelled still happens, whole.
        let claimed = try await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await store.claim(queue: "default", owner: "w", limit: 5, leaseSeconds: 60)
        }.value
        #expect(claimed.count == 5)
        let running = try await store.jobs(group: "g").filter { $0.state == .running }
        #expect(Set(running.map(\.id)) == Set(claimed.map(\.id)))
        try await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            for job in claimed { try await store.release(id: job.id, owner: "w") }
        }.value
        #expect(try await store.stateCounts(group: "g") == [.available: 20])
    }
}
