import Foundation
import TextNLPJobs
import TextNLPPipeline

/// One shard: the pipeline's row stages over its rows, then its part of the output, its errors and its
/// statistics, each written atomically under a name fixed by the shard number. The statistics file is
/// written last: once it exists the shard's output is final, and an attempt that finds it (one whose
/// process ended after writing and before the store recorded the completion) completes without
/// generating again. A shard that does run again writes the same bytes (per-row seeds, batch-invariant
/// engine), so a retry after a crash cannot duplicate or change rows.
struct ShardJob {
    let context: BatchContext

    func run(_ job: JobRecord) async throws -> JobOutcome {
        guard case .object(let payload) = try? JSONParser.parse(job.payload), case .int(let number)? = payload["shard"] else {
            throw PermanentJobError("shard job \(job.key): malformed payload \(job.payload)")
        }
        let shard = Int(number)
        let layout = context.layout
        let artifacts = context.artifacts
        if !artifacts.commitsWithCompletion, let done = committed(shard) {
            context.progress.shardDone(rowsIn: done.rowsIn, dropped: done.dropped, generatedRows: 0)
            return outcome(done)
        }
        var stats = ShardStats(shard: shard)
        stats.started = Date().timeIntervalSince1970
        let rows = try readShard(layout.inputShard(shard), bytes: try await artifacts.read(layout.inputShard(shard)))
        stats.rowsIn = rows.count
        let progress = context.progress
        let context = self.context
        let stages = try RowStages.make(context.spec, generator: { try await context.generator() },
                                        onCompletion: { usage, rows in progress.generated(usage, rows: rows) })
        let out = try await stages.process(rows)
        // A stop that came during the stages must not leave a part made of cancelled generations.
        try Task.checkCancellation()
        stats.rowsOut = out.rows.count
        stats.dropped = out.errors.count
        stats.flagged = out.rows.filter { !$0.flags.isEmpty }.count
        stats.promptTokens = out.stats.usage.promptTokens
        stats.completionTokens = out.stats.usage.completionTokens
        stats.requests = out.stats.usage.requests
        stats.completionLengths = out.stats.completionLengths
        stats.samples = out.stats.samples.map(\.stored)
        var staged: [JobArtifact] = []
        if let part = try await writePart(shard: shard, rows: out.rows) { staged.append(part) }
        if let errors = try await writeErrors(shard: shard, errors: out.errors) { staged.append(errors) }
        stats.finished = Date().timeIntervalSince1970
        // Last: once the statistics exist (or the completion commits), the shard's output is final.
        let encoded = try stats.encoded()
        if let statsArtifact = try await artifacts.staged(layout.partStats(shard), { try $0.write(contentsOf: encoded) }) {
            staged.append(statsArtifact)
        }
        progress.shardDone(rowsIn: stats.rowsIn, dropped: out.errors.count, generatedRows: Double(out.stats.generatedRows))
        var result = outcome(stats)
        result.artifacts = staged
        return result
    }

    private func outcome(_ stats: ShardStats) -> JobOutcome {
        JobOutcome(result: "{\"rows_in\":\(stats.rowsIn),\"rows_out\":\(stats.rowsOut),\"dropped\":\(stats.dropped),"
                   + "\"prompt_tokens\":\(stats.promptTokens),\"completion_tokens\":\(stats.completionTokens)}")
    }

    /// The statistics of a shard whose output an earlier attempt wrote in full, or nil.
    private func committed(_ shard: Int) -> ShardStats? {
        let layout = context.layout
        guard FileManager.default.fileExists(atPath: layout.partStats(shard)), FileManager.default.fileExists(atPath: layout.part(shard)),
              let stats = try? ShardStats.read(layout.partStats(shard)), stats.shard == shard else { return nil }
        return stats
    }

    private func readShard(_ path: String, bytes: [UInt8]?) throws -> [Row] {
        guard let data = bytes else {
            throw PipelineError.io(path: path, reason: "the input shard is missing")
        }
        var rows: [Row] = []
        for (i, line) in data.split(separator: 0x0A).enumerated() {
            do {
                rows.append(try Row(shardLine: try JSONParser.parse(Array(line))))
            } catch {
                throw PipelineError.badRow(file: path, line: i + 1, reason: "corrupt input shard (\(error))")
            }
        }
        return rows
    }

    private func writePart(shard: Int, rows: [Row]) async throws -> JobArtifact? {
        let spec = context.spec
        let encoder = RecordEncoder(format: spec.export.format, columns: spec.csvColumns)
        let path = context.layout.part(shard)
        return try await context.artifacts.staged(path) { handle in
            let writer = try ZstdWriter(handle: handle, path: path, level: context.zstdLevel, workers: spec.export.zstdWorkers)
            if shard == 0, let header = encoder.header { try writer.write(header) }
            for row in rows { try writer.write(encoder.line(row.record)) }
            try writer.finish()
        }
    }

    private func writeErrors(shard: Int, errors: [RowError]) async throws -> JobArtifact? {
        let path = context.layout.partErrors(shard)
        guard !errors.isEmpty else {
            // Only the local store can hold one from an earlier attempt; in the others a part's files commit together.
            if !context.artifacts.commitsWithCompletion { try? FileManager.default.removeItem(atPath: path) }
            return nil
        }
        return try await context.artifacts.staged(path) { handle in
            let writer = try ZstdWriter(handle: handle, path: path, level: context.zstdLevel ?? 3)
            for e in errors { try writer.write(JSONWriter.string(e.json) + "\n") }
            try writer.finish()
        }
    }
}
