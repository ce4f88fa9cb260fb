import Foundation
import TextNLPJobs
import TextNLPPipeline

/// One shard: template → generate → format → validate over its rows, then its part of the output, its
/// errors and its statistics, each written atomically under a name fixed by the shard number. Running a
/// shard again writes the same bytes (per-row seeds, batch-invariant engine), so a retry after a crash
/// cannot duplicate or change rows.
struct ShardJob {
    let context: BatchContext

    func run(_ job: JobRecord) async throws -> JobOutcome {
        guard case .object(let payload) = try? JSONParser.parse(job.payload), case .int(let number)? = payload["shard"] else {
            throw PermanentJobError("shard job \(job.key): malformed payload \(job.payload)")
        }
        let shard = Int(number)
        let spec = context.spec
        let layout = context.layout
        var stats = ShardStats(shard: shard)
        stats.started = Date().timeIntervalSince1970
        var rows = try readShard(layout.inputShard(shard))
        stats.rowsIn = rows.count
        var errors: [RowError] = []
        var generatedRows = 0.0
        for (index, stage) in spec.stages.enumerated() {
            switch stage {
            case .ingest, .export:
                continue
            case .template(let t):
                let stage = try TemplateStage(t)
                rows = rows.compactMap { row in
                    switch stage.apply(row) {
                    case .success(let r): return r
                    case .failure(let e): errors.append(e); return nil
                    }
                }
            case .generate(let g):
                let (model, engine) = try await context.model()
                let stage = GenerateStage(g, index: index, batchSeed: spec.seed, engine: engine, model: model)
                let progress = context.progress
                let samples = Double(g.n)
                let outcome = try await stage.apply(rows) { usage in progress.generated(usage, rows: 1 / samples) }
                generatedRows += Double(rows.count)
                rows = []
                for result in outcome.results {
                    switch result {
                    case .success(let r):
                        rows.append(r)
                        stats.completionLengths.append(Self.completionTokens(r, field: g.field))
                    case .failure(let e):
                        errors.append(e)
                    }
                }
                let usage = outcome.usage
                stats.promptTokens += usage.promptTokens
                stats.completionTokens += usage.completionTokens
                stats.requests += usage.requests
            case .format(let f):
                let stage = try FormatStage(f)
                var kept: [Row] = []
                for row in rows {
                    switch stage.apply(row) {
                    case .row(let r): kept.append(r)
                    case .drop(let e): errors.append(e)
                    case .fail(let e): throw PermanentJobError("\(e.id ?? "?"): format: \(e.reason)")
                    }
                }
                rows = kept
            case .validate(let v):
                let stage = ValidateStage(v, index: index)
                var kept: [Row] = []
                for row in rows {
                    switch stage.apply(row) {
                    case .row(let r, let sample):
                        kept.append(r)
                        stats.samples.append(sample.stored)
                    case .drop(let e, let sample):
                        errors.append(e)
                        stats.samples.append(sample.stored)
                    case .fail(let e):
                        throw PermanentJobError("\(e.id ?? "?"): validate: \(e.reason)")
                    }
                }
                rows = kept
            }
        }
        stats.rowsOut = rows.count
        stats.dropped = errors.count
        stats.flagged = rows.filter { !$0.flags.isEmpty }.count
        try writePart(shard: shard, rows: rows)
        try writeErrors(shard: shard, errors: errors)
        stats.finished = Date().timeIntervalSince1970
        try stats.write(to: layout.partStats(shard))
        context.progress.shardDone(rowsIn: stats.rowsIn, dropped: errors.count, generatedRows: generatedRows)
        return JobOutcome(result: "{\"rows_in\":\(stats.rowsIn),\"rows_out\":\(rows.count),\"dropped\":\(errors.count)}")
    }

    private static func completionTokens(_ row: Row, field: String) -> Int {
        if case .int(let n)? = row.fields["\(field)_completion_tokens"] { return Int(n) }
        return 0
    }

    private func readShard(_ path: String) throws -> [Row] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError.io(path: path, reason: "the input shard is missing")
        }
        var rows: [Row] = []
        for (i, line) in data.split(separator: 0x0A).enumerated() {
            do {
                rows.append(try Row(shardLine: try JSONParser.parse(Array(line))))
            } catch {
                throw PermanentJobError("\(path):\(i + 1): corrupt input shard (\(error))")
            }
        }
        return rows
    }

    private func writePart(shard: Int, rows: [Row]) throws {
        let spec = context.spec
        let encoder = RecordEncoder(format: spec.export.format, columns: spec.csvColumns)
        let path = context.layout.part(shard)
        try AtomicFile.write(to: path) { handle in
            let writer = try ZstdWriter(handle: handle, path: path, level: context.zstdLevel, workers: spec.export.zstdWorkers)
            if shard == 0, let header = encoder.header { try writer.write(header) }
            for row in rows { try writer.write(encoder.line(row.record)) }
            try writer.finish()
        }
    }

    private func writeErrors(shard: Int, errors: [RowError]) throws {
        let path = context.layout.partErrors(shard)
        guard !errors.isEmpty else {
            try? FileManager.default.removeItem(atPath: path)
            return
        }
        try AtomicFile.write(to: path) { handle in
            let writer = try ZstdWriter(handle: handle, path: path, level: context.zstdLevel ?? 3)
            for e in errors { try writer.write(JSONWriter.string(e.json) + "\n") }
            try writer.finish()
        }
    }
}
