import Foundation
import Logging
import Synchronization

/// In-process workers: `concurrency` loops that claim one job at a time, run its handler while a heartbeat
/// renews the lease, and record the outcome.
///
/// Stopping: cancelling the task that runs `run` stops claiming and cancels the running handlers; each
/// job whose handler had not finished is given back without spending an attempt, and a job whose handler
/// had finished is completed. The store's writes are not cancelled with the task (see `JobStore`), so
/// nothing is left `running` when `run` returns.
public struct WorkerPool: Sendable {
    public var store: any JobStore
    /// The queues claimed from, in order: a job of the first is taken before one of the second.
    public var queues: [String]
    public var owner: String
    public var handlers: [String: JobHandler]
    public var concurrency: Int
    public var leaseSeconds: Double
    /// How often a running job's lease is renewed: a third of the lease unless set.
    public var heartbeatSeconds: Double
    public var pollSeconds: Double
    /// How often the pool asks the store whether a running job was cancelled or taken away.
    public var stopCheckSeconds: Double = 0.5
    /// Claims that fail in a row (the store away) before the pool gives up; nil: wait for the store forever,
    /// with backoff up to 5 s, logging each failure (a cluster worker).
    public var storeFailureLimit: Int? = 8
    public var retry: RetryPolicy
    /// How a handler's error is handled; by default the error's own `ClassifiedFailure` disposition, else `.retry`.
    public var classify: @Sendable (any Error) -> FailureDisposition
    public var logger: Logger
    /// Called after every job that finished an attempt (for progress).
    public var onJobEnd: @Sendable (JobRecord, Result<JobOutcome, any Error>) -> Void

    public init(store: any JobStore, queue: String, owner: String, handlers: [String: JobHandler], concurrency: Int = 1,
                leaseSeconds: Double = 60, heartbeatSeconds: Double? = nil, pollSeconds: Double = 0.2, retry: RetryPolicy = .init(),
                classify: @escaping @Sendable (any Error) -> FailureDisposition = WorkerPool.defaultDisposition,
                logger: Logger = Logger(label: "textnlp.jobs"),
                onJobEnd: @escaping @Sendable (JobRecord, Result<JobOutcome, any Error>) -> Void = { _, _ in }) {
        self.store = store
        queues = [queue]
        self.owner = owner
        self.handlers = handlers
        self.concurrency = concurrency
        self.leaseSeconds = leaseSeconds
        self.heartbeatSeconds = heartbeatSeconds ?? leaseSeconds / 3
        self.pollSeconds = pollSeconds
        self.retry = retry
        self.classify = classify
        self.logger = logger
        self.onJobEnd = onJobEnd
    }

    @Sendable public static func defaultDisposition(_ error: any Error) -> FailureDisposition {
        (error as? ClassifiedFailure)?.disposition ?? .retry
    }

    /// Thrown out of a worker loop to stop its siblings when a job failed with `.stop`.
    private struct Stopped: Error {}

    /// Works until `done()` says so (checked whenever no job is due), until a job fails with `.stop`, or
    /// until the task is cancelled. Throws only when the store refuses work in a way a retry cannot fix.
    public func run(until done: @escaping @Sendable () async throws -> Bool) async throws {
        let reaper = Task { await reap() }
        defer { reaper.cancel() }
        let running = RunningJobs()
        let watcher = Task { await watch(running) }
        defer { watcher.cancel() }
        let stopping = StopFlag()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for slot in 0..<concurrency {
                    group.addTask { try await self.loop(slot: slot, done: done, stopping: stopping, running: running) }
                }
                try await group.waitForAll()
            }
        } catch is Stopped {
            return
        }
    }

    /// Returns expired leases (of workers in other processes that died) to the queue, every quarter lease
    /// or as often as the store asks.
    private func reap() async {
        let interval = store.rescueInterval ?? max(1, leaseSeconds / 4)
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(interval))
            if Task.isCancelled { return }
            do {
                let n = try await store.reap()
                if n > 0 { logger.warning("returned \(n) job(s) of ended sessions or expired leases to the queue") }
            } catch {
                logger.error("reaper: \(error)")
            }
        }
    }

    /// Stops the handlers of running jobs that were cancelled (a cancelled batch) or that this pool no longer
    /// holds, within `stopCheckSeconds`: one small query for all of them.
    private func watch(_ running: RunningJobs) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(stopCheckSeconds))
            let held = running.held()
            guard !held.isEmpty, !Task.isCancelled else { continue }
            do {
                let stop = try await store.stopRequested(held: held)
                for id in stop { running.stop(id) }
            } catch {
                logger.debug("checking for cancelled jobs: \(error)")
            }
        }
    }

    private func loop(slot: Int, done: @escaping @Sendable () async throws -> Bool, stopping: StopFlag, running: RunningJobs) async throws {
        let me = "\(owner)/\(slot)"
        var storeTrouble = 0
        while !Task.isCancelled && !stopping.isSet {
            var claimed: [JobRecord] = []
            do {
                for queue in queues {
                    claimed = try await store.claim(queue: queue, owner: me, limit: 1, leaseSeconds: leaseSeconds)
                    if !claimed.isEmpty { break }
                }
                if storeTrouble > 0 { logger.notice("the job store answers again; claiming") }
                storeTrouble = 0
            } catch let error as JobsError where error.isTransient && storeTrouble < (storeFailureLimit ?? .max) {
                // A busy or lost store: back off and claim again; after `storeFailureLimit` failures in a row, give up.
                storeTrouble += 1
                let wait = storeFailureLimit == nil ? min(5, 0.25 * pow(2, Double(min(storeTrouble, 10) - 1)))
                    : retry.delay(afterAttempt: storeTrouble)
                logger.warning("claim failed (\(storeTrouble) in a row), trying again in \(String(format: "%.2f", wait)) s: \(error)")
                try? await Task.sleep(for: .seconds(wait))
                continue
            }
            guard let job = claimed.first else {
                if try await done() { return }
                await store.waitForWork(queues: queues, seconds: pollSeconds)
                continue
            }
            if Task.isCancelled || stopping.isSet {
                // The stop came while the claim was on its way: give the job straight back.
                await giveBack(job, owner: me, why: "stopping")
                return
            }
            if try await execute(job, owner: me, stopping: stopping, running: running) { throw Stopped() }
        }
    }

    private enum LeaseEnd: Sendable {
        case held
        case lost
        case heartbeatFailed(String)
    }

    /// Runs one job to its recorded end. Returns true when the pool has to stop.
    private func execute(_ job: JobRecord, owner: String, stopping: StopFlag, running: RunningJobs) async throws -> Bool {
        guard let handler = handlers[job.kind] else {
            try await record(job, owner: owner, error: JobsError.noHandler(kind: job.kind, job: job.id), disposition: .discard)
            return false
        }
        let store = self.store, lease = leaseSeconds, beat = heartbeatSeconds, logger = self.logger
        let work = Task { try await handler(job) }
        running.add(job.id, owner: owner, task: work)
        defer { running.remove(job.id) }
        let heartbeat = Task<LeaseEnd, Never> {
            while true {
                do { try await Task.sleep(for: .seconds(beat)) } catch { return .held }
                do {
                    if try await !store.heartbeat(id: job.id, owner: owner, leaseSeconds: lease) {
                        work.cancel()
                        return .lost
                    }
                } catch {
                    logger.error("job \(job.key) (\(job.id)): the heartbeat could not renew its lease: \(error); stopping it")
                    work.cancel()
                    return .heartbeatFailed("\(error)")
                }
            }
        }
        let outcome = await withTaskCancellationHandler {
            await work.result
        } onCancel: {
            work.cancel()
        }
        heartbeat.cancel()
        switch await heartbeat.value {
        case .lost:
            // Another worker (or the reaper) owns the job now; whatever this attempt did is not recorded.
            logger.warning("job \(job.key) (\(job.id)): lease lost to another worker; its attempt is abandoned")
            return false
        case .heartbeatFailed:
            await giveBack(job, owner: owner, why: "its heartbeat failed")
            return false
        case .held:
            break
        }
        switch outcome {
        case .success(let result):
            // Finished work is recorded even during a stop: its output is written, and redoing it would waste it.
            do {
                try await store.complete(id: job.id, owner: owner, outcome: result)
            } catch JobsError.leaseLost {
                logger.warning("job \(job.key) (\(job.id)): finished after its lease was lost; another worker owns it")
                return false
            } catch let error as JobsError where error.isTransient {
                logger.error("job \(job.key) (\(job.id)): finished, but completing it failed: \(error); its lease will expire")
                return false
            }
            onJobEnd(job, outcome)
            return false
        case .failure(let error):
            if running.wasStopped(job.id) {
                // Cancelled, or no longer this pool's: a cancelled job ends as `cancelled`, another's is left alone.
                await giveBack(job, owner: owner, why: "its batch was cancelled or it was taken away")
                onJobEnd(job, outcome)
                return false
            }
            if Task.isCancelled || stopping.isSet {
                await giveBack(job, owner: owner, why: "stopping")
                return false
            }
            let disposition = error is CancellationError ? .retry : classify(error)
            if disposition == .stop {
                // The first job to fail this way records it; the others running beside it are given back.
                guard stopping.setFirst() else {
                    await giveBack(job, owner: owner, why: "stopping")
                    return false
                }
            }
            try await record(job, owner: owner, error: error, disposition: disposition)
            onJobEnd(job, outcome)
            return disposition == .stop
        }
    }

    private func record(_ job: JobRecord, owner: String, error: any Error, disposition: FailureDisposition) async throws {
        let retryAt = disposition == .retry ? Date().timeIntervalSince1970 + retry.delay(afterAttempt: job.attempt) : nil
        do {
            let state = try await store.fail(id: job.id, owner: owner, message: "\(error)", retryAt: retryAt)
            logger.info("job \(job.key) (\(job.id)) attempt \(job.attempt) failed, now \(state.rawValue): \(error)")
        } catch JobsError.leaseLost {
            logger.warning("job \(job.key) (\(job.id)): failed after its lease was lost; another worker owns it")
        } catch let storeError as JobsError where storeError.isTransient {
            logger.error("job \(job.key) (\(job.id)): its failure could not be recorded: \(storeError); its lease will expire")
        }
    }

    /// Gives a job back without spending its attempt. When even that fails, its lease expires and the reaper
    /// returns it; the error is logged either way.
    private func giveBack(_ job: JobRecord, owner: String, why: String) async {
        do {
            try await store.release(id: job.id, owner: owner)
            logger.debug("job \(job.key) (\(job.id)) given back: \(why)")
        } catch {
            logger.error("job \(job.key) (\(job.id)): could not be given back (\(why)): \(error); its lease will expire")
        }
    }
}

/// Set once when the pool stops because a job failed with `.stop`.
final class StopFlag: Sendable {
    private let value = Mutex(false)

    var isSet: Bool { value.withLock { $0 } }

    /// Sets the flag; true for the one caller that set it first.
    func setFirst() -> Bool {
        value.withLock { set in
            defer { set = true }
            return !set
        }
    }
}

/// The handlers running in a pool, so that a cancelled job's handler can be stopped from outside.
final class RunningJobs: Sendable {
    private struct Entry {
        var owner: String
        var task: Task<JobOutcome, any Error>
        var stopped = false
    }

    private let entries = Mutex<[Int64: Entry]>([:])

    func add(_ id: Int64, owner: String, task: Task<JobOutcome, any Error>) {
        entries.withLock { $0[id] = Entry(owner: owner, task: task) }
    }

    func remove(_ id: Int64) { _ = entries.withLock { $0.removeValue(forKey: id) } }

    func held() -> [Int64: String] { entries.withLock { $0.mapValues(\.owner) } }

    func stop(_ id: Int64) {
        let task = entries.withLock { e -> Task<JobOutcome, any Error>? in
            guard e[id] != nil else { return nil }
            e[id]?.stopped = true
            return e[id]?.task
        }
        task?.cancel()
    }

    func wasStopped(_ id: Int64) -> Bool { entries.withLock { $0[id]?.stopped ?? false } }
}
