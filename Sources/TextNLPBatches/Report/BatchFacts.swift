import Foundation
import TextNLPInference
import TextNLPJobs
import TextNLPPipeline

/// Everything known about a finished batch, turned into the manifest and the report.
struct BatchFacts {
    var spec: PipelineSpec
    var batchID: String
    var ingest: IngestJob.Summary
    var stats: [ShardStats]
    var data: Concatenation.Written
    var errors: Concatenation.Written
    var evaluations: [StageEvaluation]
    var gates: [StageEvaluation.GateResult]
    var jobs: [JobRecord]
    var outputs: OutputPaths
    var model: ModelSession?
    var status: String

    var rowsOut: Int { stats.reduce(0) { $0 + $1.rowsOut } }
    var dropped: Int { stats.reduce(0) { $0 + $1.dropped } }
    var flagged: Int { stats.reduce(0) { $0 + $1.flagged } }
    var promptTokens: Int { stats.reduce(0) { $0 + $1.promptTokens } }
    var completionTokens: Int { stats.reduce(0) { $0 + $1.completionTokens } }
    var started: Double { jobs.map(\.createdAt).min() ?? Date().timeIntervalSince1970 }
    var finished: Double { Date().timeIntervalSince1970 }
    /// Time spent working on shards (first shard start to last shard end): the generation wall time.
    var shardSeconds: Double {
        guard let first = stats.map(\.started).min(), let last = stats.map(\.finished).max() else { return 0 }
        return max(last - first, 1e-9)
    }

    private func file(_ w: Concatenation.Written, rows: Int, format: String, compression: String) -> JSONValue {
        .object(JSONObject([
            ("path", .string(relative(w.path))), ("format", .string(format)), ("compression", .string(compression)),
            ("rows", .int(Int64(rows))), ("bytes", .int(Int64(w.bytes))), ("sha256", .string(w.sha256)),
        ]))
    }

    private func relative(_ path: String) -> String {
        let dir = outputs.directory + "/"
        return path.hasPrefix(dir) ? String(path.dropFirst(dir.count)) : path
    }

    func manifest() throws -> JSONValue {
        let model: JSONValue = try self.model?.manifestJSON() ?? spec.model.map { .object(JSONObject([("id", .string($0))])) } ?? .object(JSONObject())
        let parameters = (try? JSONParser.parse(spec.source)) ?? .null
        return .object(JSONObject([
            ("batch_id", .string(batchID)),
            ("status", .string(status)),
            ("pipeline", .object(JSONObject([
                ("name", .string(spec.name)), ("version", .int(Int64(spec.version))), ("sha256", .string(spec.sha256)),
            ]))),
            ("model", model),
            ("seed", .int(Int64(bitPattern: spec.seed))),
            ("rows", rowsJSON),
            ("files", .array([
                file(data, rows: rowsOut, format: spec.export.format.rawValue, compression: spec.export.compression.rawValue),
                file(errors, rows: ingest.bad + dropped, format: "jsonl", compression: "zstd"),
            ])),
            ("tokens", .object(JSONObject([("prompt", .int(Int64(promptTokens))), ("completion", .int(Int64(completionTokens)))]))),
            ("timings", timingsJSON),
            ("metrics", metricsJSON),
            ("gates", .array(gates.map(\.json))),
            ("parameters", parameters),
        ]))
    }

    var rowsJSON: JSONValue {
        .object(JSONObject([
            ("read", .int(Int64(ingest.read))), ("ingested", .int(Int64(ingest.rows))), ("bad_input", .int(Int64(ingest.bad))),
            ("output", .int(Int64(rowsOut))), ("dropped", .int(Int64(dropped))), ("flagged", .int(Int64(flagged))),
            ("shards", .int(Int64(ingest.shards))),
        ]))
    }

    var timingsJSON: JSONValue {
        let generated = stats.reduce(0) { $0 + $1.requests }
        return .object(JSONObject([
            ("started", .string(iso(started))), ("finished", .string(iso(finished))),
            ("wall_seconds", .double(finished - started)), ("shard_seconds", .double(shardSeconds)),
            ("rows_per_second", .double(Double(ingest.rows) / shardSeconds)),
            ("generations_per_second", .double(Double(generated) / shardSeconds)),
            ("completion_tokens_per_second", .double(Double(completionTokens) / shardSeconds)),
            ("attempts", .int(Int64(jobs.reduce(0) { $0 + $1.attempt }))),
        ]))
    }

    var metricsJSON: JSONValue {
        var o = JSONObject()
        for e in evaluations { o["stages[\(e.index)]"] = e.corpusJSON }
        return .object(o)
    }

    func report() -> JSONValue {
        let base = stats.map(\.started).min() ?? started
        var cumulativeRows = 0
        var cumulativeTokens = 0
        let timeline: [JSONValue] = stats.sorted { $0.finished < $1.finished }.map { s in
            cumulativeRows += s.rowsIn
            cumulativeTokens += s.completionTokens
            return .object(JSONObject([
                ("t", .double(s.finished - base)), ("rows", .int(Int64(cumulativeRows))), ("tokens", .int(Int64(cumulativeTokens))),
            ]))
        }
        var distributions = JSONObject()
        for e in evaluations { distributions["stages[\(e.index)]"] = e.distributionsJSON }
        let lengths = stats.flatMap(\.completionLengths).map(Double.init)
        let failedJobs: [JSONValue] = jobs.filter { !$0.errors.isEmpty }.map { j in
            .object(JSONObject([
                ("job", .string(j.key)), ("state", .string(j.state.rawValue)),
                ("errors", .array(j.errors.map { .string("attempt \($0.attempt): \($0.message)") })),
            ]))
        }
        return .object(JSONObject([
            ("batch_id", .string(batchID)), ("pipeline", .string(spec.name)), ("status", .string(status)),
            ("model", spec.model.map(JSONValue.string) ?? .null),
            ("rows", rowsJSON),
            ("tokens", .object(JSONObject([("prompt", .int(Int64(promptTokens))), ("completion", .int(Int64(completionTokens)))]))),
            ("timings", timingsJSON),
            ("timeline", .array(timeline)),
            ("completion_lengths", Histogram(lengths, bins: 20).json),
            ("metrics", metricsJSON),
            ("distributions", .object(distributions)),
            ("gates", .array(gates.map(\.json))),
            ("job_errors", .array(failedJobs)),
        ]))
    }

    private func iso(_ t: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: t))
    }
}
