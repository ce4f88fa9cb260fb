import Foundation
import Logging
import TextNLPInference
import TextNLPJobs
import TextNLPPipeline

public enum BatchError: Error, Equatable, CustomStringConvertible {
    case busy(directory: String, pid: String?)
    case notABatch(String)

    public var description: String {
        switch self {
        case .busy(let directory, let pid):
            "the batch in \(directory) is being run by another process\(pid.map { " (pid \($0))" } ?? ""); wait for it or stop it"
        case .notABatch(let path): "\(path) is not a batch directory (no jobs.sqlite)"
        }
    }
}

/// Runs a batch to its end with in-process workers over the embedded SQLite store. Running the same
/// pipeline again finds the same batch: finished shards stay finished, the rest run, and the output is the
/// same bytes as an uninterrupted run.
///
/// Cancelling the task that runs `run` is a clean stop: no job is claimed after it, running jobs are given
/// back without spending an attempt (or completed, when they had finished), and `run` returns `.interrupted`.
public struct BatchRunner: Sendable {
    public let spec: PipelineSpec
    public let outputRoot: String
    public let workers: Int
    public let model: ModelSession?
    public let progress: BatchProgress
    public let retry: RetryPolicy
    public let logger: Logger

    public enum Outcome: Sendable, Equatable {
        case completed
        case alreadyCompleted
        case failed([String])
        case interrupted
    }

    public init(spec: PipelineSpec, outputRoot: String, workers: Int? = nil, model: ModelSession?,
                progress: BatchProgress = BatchProgress(), retry: RetryPolicy = RetryPolicy(),
                logger: Logger = Logger(label: "textnlp.batch")) {
        self.spec = spec
        self.outputRoot = outputRoot
        self.workers = workers ?? spec.execution.workers
        self.model = model
        self.progress = progress
        self.retry = retry
        self.logger = logger
    }

    public func batchID() throws -> String {
        try BatchIdentity.id(spec: spec, model: model)
    }

    /// Where the batch keeps its state and where its dataset goes.
    public func paths() throws -> (layout: BatchLayout, outputs: OutputPaths) {
        let id = try batchID()
        return (BatchLayout(outputRoot: outputRoot, batchID: id), try OutputPaths(spec: spec, root: outputRoot, batchID: id))
    }

    public func run() async throws -> Outcome {
        let (layout, outputs) = try paths()
        try AtomicFile.createDirectory(layout.directory)
        guard let lock = FileLock(path: layout.lock) else {
            throw BatchError.busy(directory: layout.directory, pid: FileLock.holder(path: layout.lock))
        }
        defer { withExtendedLifetime(lock) {} }
        if !FileManager.default.fileExists(atPath: layout.spec) {
            try AtomicFile.write(to: layout.spec, bytes: spec.source)
        }
        try AtomicFile.write(to: layout.outputRootRecord, bytes: Array(URL(fileURLWithPath: outputRoot).standardizedFileURL.path.utf8))
        let store = try SQLiteJobStore(path: layout.store)
        let group = layout.batchID
        try await store.enqueue([NewJob(kind: "ingest", key: "ingest", group: group, queue: spec.execution.queue,
                                        maxAttempts: spec.execution.maxAttempts)])
        // The lock proves that no other process works on this batch: whatever is `running` was left by one that died.
        try await store.recoverRunning(group: group, message: "the process running this job ended before it finished")
        try await store.retryDiscarded(group: group)
        if try await store.job(group: group, key: "finalize")?.state == .completed {
            return .alreadyCompleted
        }
        try resumeProgress(layout: layout, jobs: try await store.jobs(group: group))
        if Task.isCancelled { return .interrupted }

        let context = BatchContext(spec: spec, layout: layout, outputs: outputs, model: model, progress: progress)
        let handlers: [String: JobHandler] = [
            "ingest": { job in try await IngestJob(context: context).run(job) },
            "shard": { job in try await ShardJob(context: context).run(job) },
            "finalize": { job in try await FinalizeJob(context: context, store: store).run(job) },
        ]
        let progress = self.progress
        // One ingest or finalize at a time is all there is; shards run `workers` at a time.
        let pool = WorkerPool(
            store: store, queue: spec.execution.queue, owner: "\(ProcessInfo.processInfo.hostName):\(getpid())",
            handlers: handlers, concurrency: workers, leaseSeconds: Double(spec.execution.leaseSeconds), retry: retry,
            classify: BatchFailures.disposition, logger: logger,
            onJobEnd: { _, result in if case .failure = result { progress.jobFailed() } })
        try await pool.run {
            // Polled by idle workers: two small queries, not a listing of every job.
            let counts = try await store.stateCounts(group: group)
            if counts[.discarded, default: 0] > 0 { return true }
            if counts.allSatisfy({ $0.key.isFinal }) { return true }
            return try await store.job(group: group, key: "finalize")?.state.isFinal ?? false
        }
        if Task.isCancelled { return .interrupted }
        let jobs = try await store.jobs(group: group)
        if jobs.contains(where: { $0.key == "finalize" && $0.state == .completed }) { return .completed }
        let failures = jobs.filter { $0.state == .discarded }.map { job in
            "\(job.key): \(job.errors.last?.message ?? "failed")"
        }
        return .failed(failures.isEmpty ? ["the batch stopped before finishing"] : failures)
    }

    private func resumeProgress(layout: BatchLayout, jobs: [JobRecord]) throws {
        guard let summary = try? IngestJob.summary(layout) else { return }
        var rows = 0, dropped = 0, shards = 0
        for job in jobs where job.kind == "shard" && job.state == .completed {
            guard let n = Int(job.key.dropFirst("shard-".count)), let stats = try? ShardStats.read(layout.partStats(n)) else { continue }
            rows += stats.rowsIn
            dropped += stats.dropped
            shards += 1
        }
        progress.resumed(rowsTotal: summary.rows, shardsTotal: summary.shards, rowsDone: rows, shardsDone: shards,
                         dropped: dropped, badInput: summary.bad)
    }
}
