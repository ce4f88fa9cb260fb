/// A durable job queue. The embedded store is SQLite; a PostgreSQL store follows the same contract.
///
/// Contract: `claim` moves due jobs (`available`, `retryable`, or `scheduled` with every dependency
/// completed, and `runAt <= now`) to `running` in one statement, ordered by priority, run time and id,
/// incrementing `attempt` and setting a lease. Only the lease owner can heartbeat, complete, fail or
/// release a job. `complete` adds follow-up jobs in the same transaction. `reap` returns jobs whose lease
/// expired to `retryable` (or `discarded` when no attempt is left).
///
/// Every operation is atomic and is not interrupted by the cancellation of the calling task: it runs to
/// its end, and the caller gets its result. Errors are `JobsError`s; `isTransient` ones may succeed later.
public protocol JobStore: Sendable {
    /// How often a worker pool's reaper should run: a store that can tell a dead worker (PostgreSQL, from its
    /// session) asks for a second; nil means every quarter lease.
    var rescueInterval: Double? { get }

    /// Adds jobs; keys already present in their group are skipped. Returns how many were added.
    @discardableResult
    func enqueue(_ jobs: [NewJob]) async throws -> Int
    func claim(queue: String, owner: String, limit: Int, leaseSeconds: Double) async throws -> [JobRecord]
    /// Extends the lease; false when the job is no longer this owner's.
    func heartbeat(id: Int64, owner: String, leaseSeconds: Double) async throws -> Bool
    func complete(id: Int64, owner: String, result: String?, enqueue: [NewJob]) async throws
    /// `complete` that also writes artifacts of the job's group in the same transaction. Stores without
    /// artifacts (the embedded one, whose artifacts are files) refuse a non-empty list.
    func complete(id: Int64, owner: String, outcome: JobOutcome) async throws
    /// Records the attempt's error; the job becomes `retryable` at `retryAt`, or `discarded` when
    /// `retryAt` is nil or no attempt is left. Returns the new state.
    @discardableResult
    func fail(id: Int64, owner: String, message: String, retryAt: Double?) async throws -> JobState
    /// Gives a running job back without spending its attempt (a clean shutdown).
    func release(id: Int64, owner: String) async throws
    /// Expired leases: back to `retryable` now (or `discarded`). Returns how many.
    @discardableResult
    func reap() async throws -> Int
    /// Every running job of a group back to `retryable`, its attempt recorded as lost. For the embedded
    /// store, where a lock file proves that no other process is working on the group.
    @discardableResult
    func recoverRunning(group: String, message: String) async throws -> Int
    /// Discarded jobs of a group get as many attempts again (numbering and error history go on): running a
    /// failed batch again retries what failed.
    @discardableResult
    func retryDiscarded(group: String) async throws -> Int
    func jobs(group: String) async throws -> [JobRecord]
    /// How many jobs of a group are in each state (cheap enough to poll).
    func stateCounts(group: String) async throws -> [JobState: Int]
    /// One job of a group by its key.
    func job(group: String, key: String) async throws -> JobRecord?
    /// Cancels every job of a group that has not finished. Waiting jobs become `cancelled` at once; running
    /// ones are marked, their workers stop them (`stopRequested`), and they end as `cancelled` when given
    /// back or failed, or `completed` when they had finished. Returns how many jobs were cancelled or marked.
    @discardableResult
    func cancel(group: String) async throws -> Int
    /// Of the running jobs `held` (id: lease owner), those their owners must stop now: no longer theirs
    /// (rescued, reaped) or cancelled.
    func stopRequested(held: [Int64: String]) async throws -> Set<Int64>
    /// The sleep of an idle worker after a claim that found nothing: at most `seconds`, less when the store
    /// hears of new work in one of `queues` (PostgreSQL: LISTEN/NOTIFY). Returns early when cancelled.
    func waitForWork(queues: [String], seconds: Double) async
}

extension JobStore {
    public var rescueInterval: Double? { nil }

    public func waitForWork(queues: [String], seconds: Double) async {
        try? await Task.sleep(for: .seconds(seconds))
    }

    public func complete(id: Int64, owner: String, outcome: JobOutcome) async throws {
        guard outcome.artifacts.isEmpty else {
            throw JobsError.queryFailed(store: "\(Self.self)", operation: "complete job \(id)", reason: "this store keeps no artifacts")
        }
        try await complete(id: id, owner: owner, result: outcome.result, enqueue: outcome.enqueue)
    }
}
