import Foundation
import PostgresNIO

/// No-op jobs pushed through a real PostgreSQL store: inserted in batches, claimed by `workers` concurrent
/// loops (`FOR UPDATE SKIP LOCKED`, `batch` at a time) and completed in one statement per claim. The jobs
/// go into a queue and group of their own, removed at the end.
public struct JobsBenchmark: Sendable {
    public var jobs: Int
    public var workers: Int
    public var batch: Int

    public init(jobs: Int = 20_000, workers: Int = 8, batch: Int = 500) {
        self.jobs = jobs
        self.workers = workers
        self.batch = batch
    }

    public struct Result: Sendable {
        public var jobs: Int
        public var completed: Int
        public var insertSeconds: Double
        public var workSeconds: Double
        public var totalSeconds: Double { insertSeconds + workSeconds }
        /// Jobs per second through insert, claim and complete.
        public var jobsPerSecond: Double { Double(completed) / max(totalSeconds, 1e-9) }
        public var claimCompletePerSecond: Double { Double(completed) / max(workSeconds, 1e-9) }
    }

    public func run(on store: PostgresJobStore) async throws -> Result {
        let tag = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        let insertStart = Date()
        // Inserted by `workers` concurrent loops too, 1,000 jobs a statement.
        let chunks = stride(from: 0, to: jobs, by: 1000).map { $0..<min($0 + 1000, jobs) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<max(1, workers) {
                group.addTask {
                    for chunk in chunks.enumerated().filter({ $0.offset % max(1, workers) == lane }).map(\.element) {
                        try await store.enqueue(chunk.map { NewJob(kind: "noop", key: "\($0)", group: tag, queue: tag) })
                    }
                }
            }
            try await group.waitForAll()
        }
        let insertSeconds = Date().timeIntervalSince(insertStart)
        let workStart = Date()
        let completed = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<max(1, workers) {
                group.addTask {
                    var done = 0
                    while true {
                        let claimed = try await store.claim(queue: tag, owner: "\(tag)/\(worker)", limit: batch, leaseSeconds: 60)
                        if claimed.isEmpty { return done }
                        done += try await store.complete(claimed.map(\.id), owner: "\(tag)/\(worker)").count
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let workSeconds = Date().timeIntervalSince(workStart)
        try await store.deleteJobs(group: tag)
        return Result(jobs: jobs, completed: completed, insertSeconds: insertSeconds, workSeconds: workSeconds)
    }
}

extension PostgresJobStore {
    /// Removes every job of a group (the benchmark's own).
    func deleteJobs(group: String) async throws {
        try await transaction("delete the jobs of \(group)") { c, logger in
            _ = try await c.query("DELETE FROM textnlp_jobs WHERE grp = \(group)", logger: logger)
        }
    }
}
