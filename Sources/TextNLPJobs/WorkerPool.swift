import Foundation

/// What a handler returns: a result to store and follow-up jobs to add in the same transaction.
public struct JobOutcome: Sendable {
    public var result: String?
    public var enqueue: [NewJob]

    public init(result: String? = nil, enqueue: [NewJob] = []) {
        self.result = result
        self.enqueue = enqueue
    }
}

/// Thrown by a handler whose failure a retry cannot fix (bad data, a failed gate): the job is discarded at once.
public struct PermanentJobError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public typealias JobHandler = @Sendable (JobRecord) async throws -> JobOutcome

/// In-process workers: `concurrency` loops that claim one job at a time, run its handler while a heartbeat
/// renews the lease, and record the outcome. Cancelling the task that runs `run` stops claiming, cancels
/// running handlers and releases their jobs without spending an attempt.
public struct WorkerPool: Sendable {
    public var store: any JobStore
    public var queue: String
    public var owner: String
    public var handlers: [String: JobHandler]
    public var concurrency: Int
    public var leaseSeconds: Double
    public var pollSeconds: Double
    public var retry: RetryPolicy
    /// Called after every job that finished an attempt (for progress).
    public var onJobEnd: @Sendable (JobRecord, Result<JobOutcome, any Error>) -> Void

    public init(store: any JobStore, queue: String, owner: String, handlers: [String: JobHandler], concurrency: Int = 1,
                leaseSeconds: Double = 60, pollSeconds: Double = 0.2, retry: RetryPolicy = .init(),
                onJobEnd: @escaping @Sendable (JobRecord, Result<JobOutcome, any Error>) -> Void = { _, _ in }) {
        self.store = store
        self.queue = queue
        self.owner = owner
        self.handlers = handlers
        self.concurrency = concurrency
        self.leaseSeconds = leaseSeconds
        self.pollSeconds = pollSeconds
        self.retry = retry
        self.onJobEnd = onJobEnd
    }

    /// Works until `done()` says so (checked whenever no job is due) or the task is cancelled.
    public func run(until done: @escaping @Sendable () async throws -> Bool) async throws {
        let store = self.store
        let interval = max(1, leaseSeconds / 4)
        // The reaper returns expired leases (of workers in other processes that died) to the queue.
        let reaper = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                _ = try? await store.reap()
            }
        }
        defer { reaper.cancel() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for slot in 0..<concurrency {
                group.addTask { try await self.loop(slot: slot, done: done) }
            }
            try await group.waitForAll()
        }
    }

    private func loop(slot: Int, done: @escaping @Sendable () async throws -> Bool) async throws {
        let me = "\(owner)/\(slot)"
        while !Task.isCancelled {
            guard let job = try await store.claim(queue: queue, owner: me, limit: 1, leaseSeconds: leaseSeconds).first else {
                if try await done() { return }
                try? await Task.sleep(for: .seconds(pollSeconds))
                continue
            }
            try await execute(job, owner: me)
        }
    }

    private func execute(_ job: JobRecord, owner: String) async throws {
        guard let handler = handlers[job.kind] else {
            try await store.fail(id: job.id, owner: owner, message: JobsError.noHandler(kind: job.kind).description, retryAt: nil)
            return
        }
        let store = self.store
        let lease = leaseSeconds
        let work = Task { try await handler(job) }
        let heartbeat = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(lease / 3))
                if !(try await store.heartbeat(id: job.id, owner: owner, leaseSeconds: lease)) {
                    work.cancel()
                    return
                }
            }
        }
        let outcome = await withTaskCancellationHandler {
            await work.result
        } onCancel: {
            work.cancel()
        }
        heartbeat.cancel()
        if Task.isCancelled {
            // Shutdown: give the job back whatever the handler managed; its output, if any, was written atomically.
            // A fresh task: the database refuses work from a cancelled one.
            await Task { try? await store.release(id: job.id, owner: owner) }.value
            return
        }
        switch outcome {
        case .success(let result):
            do {
                try await store.complete(id: job.id, owner: owner, result: result.result, enqueue: result.enqueue)
            } catch JobsError.leaseLost {
                return
            }
        case .failure(let error):
            let message = "\(error)"
            let retryAt = error is PermanentJobError ? nil : Date().timeIntervalSince1970 + retry.delay(afterAttempt: job.attempt)
            do {
                try await store.fail(id: job.id, owner: owner, message: message, retryAt: retryAt)
            } catch JobsError.leaseLost {
                return
            }
        }
        onJobEnd(job, outcome)
    }
}
