import Foundation
import TextNLPJobs
import TextNLPPipeline

/// The state of a batch as `textnlp status` shows it, read from its job store.
public struct BatchStatus: Sendable {
    public var batchID: String
    public var directory: String
    /// `validating` (ingest not done), `in_progress`, `finalizing`, `completed`, `failed`, `cancelled`.
    public var status: String
    public var shardsTotal: Int?
    public var shardsDone: Int
    public var rowsTotal: Int?
    public var rowsDone: Int
    public var jobs: [JobRecord]
    public var output: String?

    public static func load(directory: String) async throws -> BatchStatus {
        let layout = BatchLayout(directory: directory)
        guard FileManager.default.fileExists(atPath: layout.store) else { throw BatchError.notABatch(directory) }
        let store = try SQLiteJobStore(path: layout.store)
        let jobs = try await store.jobs(group: layout.batchID)
        let summary = try? IngestJob.summary(layout)
        var rowsDone = 0
        for job in jobs where job.kind == "shard" && job.state == .completed {
            if let result = job.result, case .object(let o)? = try? JSONParser.parse(result), case .int(let n)? = o["rows_in"] { rowsDone += Int(n) }
        }
        let finalize = jobs.first { $0.key == "finalize" }
        let status: String =
            if jobs.contains(where: { $0.state == .discarded }) { "failed" }
            else if finalize?.state == .completed { "completed" }
            else if jobs.contains(where: { $0.state == .cancelled }) { "cancelled" }
            else if finalize?.state == .running { "finalizing" }
            else if jobs.first(where: { $0.key == "ingest" })?.state != .completed { "validating" }
            else { "in_progress" }
        var output: String?
        if let rootBytes = FileManager.default.contents(atPath: layout.outputRootRecord),
           let spec = try? PipelineSpec.decode(contentsOf: URL(fileURLWithPath: layout.spec)) {
            output = try? OutputPaths(spec: spec, root: String(decoding: rootBytes, as: UTF8.self), batchID: layout.batchID).data
        }
        return BatchStatus(
            batchID: layout.batchID, directory: layout.directory, status: status, shardsTotal: summary?.shards,
            shardsDone: jobs.filter { $0.kind == "shard" && $0.state == .completed }.count, rowsTotal: summary?.rows,
            rowsDone: rowsDone, jobs: jobs, output: output)
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

    public var json: JSONValue {
        var o = JSONObject([
            ("batch_id", .string(batchID)), ("directory", .string(directory)), ("status", .string(status)),
            ("shards", .object(JSONObject([("total", shardsTotal.map { .int(Int64($0)) } ?? .null), ("completed", .int(Int64(shardsDone)))]))),
            ("rows", .object(JSONObject([("total", rowsTotal.map { .int(Int64($0)) } ?? .null), ("completed", .int(Int64(rowsDone)))]))),
        ])
        if let output { o["output"] = .string(output) }
        o["jobs"] = .array(jobs.map { job in
            var j = JSONObject([
                ("key", .string(job.key)), ("kind", .string(job.kind)), ("state", .string(job.state.rawValue)),
                ("attempt", .int(Int64(job.attempt))), ("max_attempts", .int(Int64(job.maxAttempts))),
            ])
            if !job.errors.isEmpty {
                j["errors"] = .array(job.errors.map { .object(JSONObject([("attempt", .int(Int64($0.attempt))), ("message", .string($0.message))])) })
            }
            return .object(j)
        })
        return .object(o)
    }

    public var text: String {
        var lines = ["batch \(batchID): \(status)", "  directory: \(directory)"]
        if let output { lines.append("  output: \(output)") }
        lines.append("  shards: \(shardsDone)/\(shardsTotal.map(String.init) ?? "?") completed; rows: \(rowsDone)/\(rowsTotal.map(String.init) ?? "?")")
        var counts: [JobState: Int] = [:]
        for job in jobs { counts[job.state, default: 0] += 1 }
        lines.append("  jobs: " + JobState.allCases.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", "))
        for job in jobs where !job.errors.isEmpty {
            lines.append("  \(job.key) [\(job.state.rawValue), attempt \(job.attempt)/\(job.maxAttempts)]")
            for e in job.errors { lines.append("    attempt \(e.attempt): \(e.message)") }
        }
        return lines.joined(separator: "\n")
    }
}
