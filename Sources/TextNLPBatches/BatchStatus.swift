import Foundation
import TextNLPJobs
import TextNLPPipeline

/// The state of a batch as `textnlp status` shows it, derived from its jobs: the same for a batch of the
/// embedded store (a directory) and one of a cluster (a PostgreSQL batch).
public struct BatchStatus: Sendable {
    public var batchID: String
    /// The batch directory (embedded), nil for a cluster batch.
    public var directory: String?
    /// The OpenAI Batch API's names: `validating` (ingest not done), `in_progress`, `finalizing`,
    /// `completed`, `failed`, `cancelling`, `cancelled`.
    public var status: String
    public var shardsTotal: Int?
    public var shardsDone: Int
    /// Rows read from the input (bad input lines included) once ingest is done.
    public var rowsTotal: Int?
    public var rowsDone: Int
    /// Rows written to the dataset so far, and rows that failed (bad input, dropped by a stage).
    public var rowsCompleted: Int
    public var rowsFailed: Int
    /// Input lines that were not rows (bad JSON, missing fields).
    public var badInput: Int
    /// Tokens of the completed shards' prompts and completions.
    public var promptTokens = 0
    public var completionTokens = 0
    public var createdAt: Double?
    public var cancelRequestedAt: Double?
    public var jobs: [JobRecord]
    public var output: String?

    /// The status of the batch whose jobs are `jobs`.
    public init(batchID: String, directory: String?, jobs: [JobRecord], createdAt: Double? = nil,
                cancelRequestedAt: Double? = nil, output: String? = nil) {
        self.batchID = batchID
        self.directory = directory
        self.jobs = jobs
        self.createdAt = createdAt ?? jobs.map(\.createdAt).min()
        self.cancelRequestedAt = cancelRequestedAt
        self.output = output
        let ingest = jobs.first { $0.key == "ingest" }
        let ingested = ingest?.state == .completed ? Self.numbers(ingest?.result) : [:]
        var rowsDone = 0, completed = 0, failed = ingested["bad"] ?? 0
        for job in jobs where job.kind == "shard" && job.state == .completed {
            let n = Self.numbers(job.result)
            rowsDone += n["rows_in"] ?? 0
            completed += n["rows_out"] ?? 0
            failed += n["dropped"] ?? 0
            promptTokens += n["prompt_tokens"] ?? 0
            completionTokens += n["completion_tokens"] ?? 0
        }
        self.rowsDone = rowsDone
        badInput = ingested["bad"] ?? 0
        rowsCompleted = completed
        rowsFailed = failed
        rowsTotal = ingested["rows"]
        shardsTotal = ingested["shards"]
        shardsDone = jobs.filter { $0.kind == "shard" && $0.state == .completed }.count
        let finalize = jobs.first { $0.key == "finalize" }
        let cancelled = cancelRequestedAt != nil || jobs.contains { $0.state == .cancelled || $0.cancelRequested }
        status =
            if finalize?.state == .completed { "completed" }
            else if jobs.contains(where: { $0.state == .discarded }) { "failed" }
            else if cancelled { jobs.contains { $0.state == .running } ? "cancelling" : "cancelled" }
            else if finalize?.state == .running { "finalizing" }
            else if ingest?.state != .completed { "validating" }
            else { "in_progress" }
    }

    /// The integer fields of a job's result object.
    private static func numbers(_ result: String?) -> [String: Int] {
        guard let result, case .object(let o)? = try? JSONParser.parse(result) else { return [:] }
        var out: [String: Int] = [:]
        for (key, value) in o.pairs { if case .int(let n) = value { out[key] = Int(n) } }
        return out
    }

    public static func load(directory: String) async throws -> BatchStatus {
        let layout = BatchLayout(directory: directory)
        guard FileManager.default.fileExists(atPath: layout.store) else { throw BatchError.notABatch(directory) }
        let store = try SQLiteJobStore(path: layout.store)
        let jobs = try await store.jobs(group: layout.batchID)
        var output: String?
        if let rootBytes = FileManager.default.contents(atPath: layout.outputRootRecord),
           let spec = try? PipelineSpec.decode(contentsOf: URL(fileURLWithPath: layout.spec)) {
            output = try? OutputPaths(spec: spec, root: String(decoding: rootBytes, as: UTF8.self), batchID: layout.batchID).data
        }
        return BatchStatus(batchID: layout.batchID, directory: layout.directory, jobs: jobs, output: output)
    }

    /// The most recently changed batch under `<output root>/batches`.
    public static func latest(outputRoot: String) -> String? {
        let dir = URL(fileURLWithPath: outputRoot).appendingPathComponent("batches")
        let entries = (try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
        return entries.filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("jobs.sqlite").path) }
            .max { a, b in
                let da = (try? a.appendingPathComponent("jobs.sqlite").resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
                let db = (try? b.appendingPathComponent("jobs.sqlite").resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
                return da < db
            }?.path
    }

    /// Whether the batch has ended (nothing more will run unless it is submitted again).
    public var isFinal: Bool { ["completed", "failed", "cancelled"].contains(status) }

    /// When the batch reached each of its states, as far as its jobs tell.
    public var timestamps: [(String, Double?)] {
        let ingest = jobs.first { $0.key == "ingest" }
        let finalize = jobs.first { $0.key == "finalize" }
        let lastFinish = jobs.compactMap(\.finishedAt).max()
        return [
            ("created_at", createdAt),
            ("in_progress_at", ingest?.state == .completed ? ingest?.finishedAt : nil),
            ("finalizing_at", finalize?.startedAt),
            ("completed_at", status == "completed" ? finalize?.finishedAt : nil),
            ("failed_at", status == "failed" ? jobs.filter { $0.state == .discarded }.compactMap(\.finishedAt).min() : nil),
            ("cancelling_at", cancelRequestedAt),
            ("cancelled_at", status == "cancelled" ? lastFinish : nil),
        ]
    }

    public var json: JSONValue {
        func int(_ n: Int?) -> JSONValue { n.map { .int(Int64($0)) } ?? .null }
        var o = JSONObject([
            ("id", .string(batchID)), ("batch_id", .string(batchID)), ("status", .string(status)),
            ("request_counts", .object(JSONObject([
                ("total", int(rowsTotal.map { $0 + badInput })), ("completed", int(rowsCompleted)), ("failed", int(rowsFailed)),
            ]))),
        ])
        if let directory { o["directory"] = .string(directory) }
        for (name, time) in timestamps { o[name] = time.map { .double($0) } ?? .null }
        o["shards"] = .object(JSONObject([("total", int(shardsTotal)), ("completed", .int(Int64(shardsDone)))]))
        o["rows"] = .object(JSONObject([("total", int(rowsTotal)), ("completed", .int(Int64(rowsDone)))]))
        if let output { o["output"] = .string(output) }
        o["jobs"] = .array(jobs.map { job in
            var j = JSONObject([
                ("key", .string(job.key)), ("kind", .string(job.kind)), ("state", .string(job.state.rawValue)),
                ("attempt", .int(Int64(job.attempt))), ("max_attempts", .int(Int64(job.maxAttempts))),
                ("worker", job.leaseOwner.map { .string($0) } ?? .null),
            ])
            if !job.errors.isEmpty {
                j["errors"] = .array(job.errors.map { .object(JSONObject([("attempt", .int(Int64($0.attempt))), ("message", .string($0.message))])) })
            }
            return .object(j)
        })
        return .object(o)
    }

    public var text: String {
        var lines = ["batch \(batchID): \(status)"]
        if let directory { lines.append("  directory: \(directory)") }
        if let output { lines.append("  output: \(output)") }
        lines.append("  shards: \(shardsDone)/\(shardsTotal.map(String.init) ?? "?") completed; rows: \(rowsDone)/\(rowsTotal.map(String.init) ?? "?")")
        var counts: [JobState: Int] = [:]
        for job in jobs { counts[job.state, default: 0] += 1 }
        lines.append("  jobs: " + JobState.allCases.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", "))
        for job in jobs where job.state == .running {
            lines.append("  \(job.key) running on \(job.leaseOwner ?? "?") (attempt \(job.attempt)/\(job.maxAttempts))")
        }
        for job in jobs where !job.errors.isEmpty {
            lines.append("  \(job.key) [\(job.state.rawValue), attempt \(job.attempt)/\(job.maxAttempts)]")
            for e in job.errors { lines.append("    attempt \(e.attempt): \(e.message)") }
        }
        return lines.joined(separator: "\n")
    }
}
