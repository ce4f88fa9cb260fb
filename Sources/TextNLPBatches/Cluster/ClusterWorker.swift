import Foundation
import Logging
import TextNLPInference
import TextNLPJobs
import TextNLPPipeline

/// A worker of a cluster: claims the jobs of every batch in its queues from PostgreSQL and runs them,
/// until the task that runs it is cancelled (SIGTERM): then it stops claiming, gives back what it holds and
/// returns. While the database is away it waits with backoff and says so in its log.
public struct ClusterWorker: Sendable {
    public var store: any BatchStore
    public var catalog: ModelCatalog
    public var queues: [String]
    public var concurrency: Int
    public var leaseSeconds: Double
    /// Where downloaded inputs and scratch files go; the worker's own.
    public var scratch: String
    public var modelBudgetBytes: Int
    /// The process's engines, when it shares them with online requests (a server); nil: the worker's own.
    public var engines: EnginePool?
    public var retry: RetryPolicy
    public var owner: String
    /// Batches that finished longer ago than this are pruned (jobs and artifacts), hourly; nil: never.
    public var retentionSeconds: Double?
    public var logger: Logger

    public init(store: any BatchStore, catalog: ModelCatalog, queues: [String] = ["default"], concurrency: Int = 2,
                leaseSeconds: Double = 30, scratch: String, modelBudgetBytes: Int = 4 << 30, retry: RetryPolicy = RetryPolicy(),
                owner: String = "\(ProcessInfo.processInfo.hostName):\(getpid())", logger: Logger = Logger(label: "textnlp.worker")) {
        self.store = store
        self.catalog = catalog
        self.queues = queues
        self.concurrency = concurrency
        self.leaseSeconds = leaseSeconds
        self.scratch = scratch
        self.modelBudgetBytes = modelBudgetBytes
        self.retry = retry
        self.owner = owner
        self.logger = logger
    }

    /// Prunes finished batches a minute after the start and then hourly (any worker may: it is idempotent).
    private func pruneHourly(_ retention: Double) async {
        var wait = 60.0
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(wait))
            if Task.isCancelled { return }
            wait = 3600
            do {
                let n = try await store.prune(retentionSeconds: retention)
                if n > 0 { logger.info("pruned \(n) batch(es) finished more than \(retention / 86_400) day(s) ago") }
            } catch {
                logger.warning("pruning finished batches: \(error)")
            }
        }
    }

    /// Works until cancelled, or until `done()` says so (checked when no job is due).
    public func run(until done: @escaping @Sendable () async throws -> Bool = { false }) async throws {
        let store = self.store, logger = self.logger
        let contexts = ClusterContexts(store: store, catalog: catalog, scratch: scratch, modelBudgetBytes: modelBudgetBytes, engines: engines)
        let handlers: [String: JobHandler] = [
            "ingest": { job in
                let context = try await contexts.context(job.group)
                try await SubmittedSources.fetchInput(batch: job.group, store: store, directory: await contexts.directory(job.group))
                return try await IngestJob(context: context).run(job)
            },
            "shard": { job in try await ShardJob(context: try await contexts.context(job.group)).run(job) },
            "finalize": { job in
                let outcome = try await FinalizeJob(context: try await contexts.context(job.group), store: store).run(job)
                await contexts.close(job.group)
                return outcome
            },
        ]
        var pool = WorkerPool(
            store: store, queue: queues.first ?? "default", owner: owner, handlers: handlers, concurrency: concurrency, leaseSeconds: leaseSeconds,
            retry: retry, classify: BatchFailures.disposition, logger: logger,
            onJobEnd: { job, result in
                switch result {
                case .success: logger.info("\(job.group) \(job.key) completed (attempt \(job.attempt))")
                case .failure(let error): logger.info("\(job.group) \(job.key) attempt \(job.attempt) ended: \(error)")
                }
            })
        pool.queues = queues
        pool.storeFailureLimit = nil
        // Idle workers wake on the store's notifications; the poll is only the fallback.
        pool.pollSeconds = 1
        let pruning = retentionSeconds.map { retention in Task { await pruneHourly(retention) } }
        defer { pruning?.cancel() }
        try await pool.run(until: done)
    }
}
