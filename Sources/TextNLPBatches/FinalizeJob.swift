import Foundation
import TextNLPJobs
import TextNLPPipeline

/// The last job: concatenates the parts' zstd frames into the dataset (a valid zstd stream), gathers the
/// errors, computes corpus metrics and gates, and writes the manifest and the reports beside the dataset.
struct FinalizeJob {
    let context: BatchContext
    let store: any JobStore

    func run(_ job: JobRecord) async throws -> JobOutcome {
        let spec = context.spec
        let layout = context.layout
        let outputs = context.outputs
        let artifacts = context.artifacts
        let summary = try await IngestJob.summary(layout, from: artifacts)
        var stats: [ShardStats] = []
        for n in 0..<summary.shards { stats.append(try await ShardStats.read(layout.partStats(n), from: artifacts)) }

        // The dataset: every part in shard order. With no shard at all, one empty frame (and the CSV header).
        var partPaths = (0..<summary.shards).map(layout.part)
        if partPaths.isEmpty {
            let empty = layout.file("parts/empty.data.zst")
            try await artifacts.write(empty) { handle in
                let writer = try ZstdWriter(handle: handle, path: empty, level: context.zstdLevel)
                if let header = RecordEncoder(format: spec.export.format, columns: spec.csvColumns).header { try writer.write(header) }
                try writer.finish()
            }
            partPaths = [empty]
        }
        let data = try await artifacts.concatenate(partPaths, to: outputs.data)
        var errorParts: [String] = []
        for path in [layout.ingestErrors] + (0..<summary.shards).map(layout.partErrors) where try await artifacts.exists(path) {
            errorParts.append(path)
        }
        let errors = try await artifacts.concatenate(errorParts, to: outputs.errors)

        // Corpus metrics and gates, per validate stage.
        let samples = stats.flatMap(\.samples).map(MetricSample.init)
        var evaluations: [StageEvaluation] = []
        for (index, stage) in spec.stages.enumerated() {
            guard case .validate(let v) = stage else { continue }
            let mine = samples.filter { $0.stage == index }
            let corpus = CorpusMetrics.compute(v.metrics, samples: mine, seed: spec.seed)
            evaluations.append(StageEvaluation(index: index, spec: v, samples: mine, corpus: corpus))
        }
        let gates = evaluations.flatMap(\.gateResults)
        let failed = gates.filter { !$0.passed && $0.onFail == "fail" }

        let jobs = try await store.jobs(group: job.group)
        let facts = BatchFacts(
            spec: spec, batchID: layout.batchID, ingest: summary, stats: stats, data: data, errors: errors,
            evaluations: evaluations, gates: gates, jobs: jobs, outputs: outputs, model: context.model,
            status: failed.isEmpty ? "completed" : "failed")
        try await artifacts.write(outputs.manifest, bytes: Array(JSONWriter.pretty(try facts.manifest()).utf8))
        let report = facts.report()
        try await artifacts.write(outputs.reportJSON, bytes: Array(JSONWriter.pretty(report).utf8))
        try await artifacts.write(outputs.reportHTML, bytes: Array(ReportHTML.render(report).utf8))
        if !failed.isEmpty {
            throw PipelineError.gateFailed(gates: failed.map { "\($0.label) (value \(JSONWriter.number($0.value ?? 0)))" })
        }
        return JobOutcome(result: "{\"rows\":\(stats.reduce(0) { $0 + $1.rowsOut })}")
    }
}

/// Writes files one after another into one file, atomically, and returns its size, SHA-256 and line count.
public enum Concatenation {
    public struct Written: Sendable {
        public var path: String
        public var bytes: Int
        public var sha256: String
    }

    static func write(_ parts: [String], to path: String) throws -> Written {
        var hash = SHA256()
        var bytes = 0
        try AtomicFile.write(to: path) { handle in
            for part in parts {
                guard let data = FileManager.default.contents(atPath: part) else {
                    throw PipelineError.io(path: part, reason: "part is missing")
                }
                hash.update(data)
                bytes += data.count
                do { try handle.write(contentsOf: data) } catch {
                    throw PipelineError.writeFailed(path: path, error)
                }
            }
        }
        return Written(path: path, bytes: bytes, sha256: SHA256.hexString(hash.finalize()))
    }
}
