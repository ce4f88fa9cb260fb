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
}
