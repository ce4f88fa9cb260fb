import Foundation
import TextNLPJobs
import TextNLPPipeline

/// The first job of a batch: reads the input into shards of `shard_rows` rows (each written atomically),
/// sends bad rows to the errors file, then adds one job per shard and the finalize job.
struct IngestJob {
    let context: BatchContext

    struct Summary: Codable {
        var read: Int
        var rows: Int
        var bad: Int
        var shards: Int
    }

    func run(_ job: JobRecord) async throws -> JobOutcome {
        let spec = context.spec
        let layout = context.layout
        let artifacts = context.artifacts
        var shards = 0
        var buffer: [String] = []
        func flush() throws {
            guard !buffer.isEmpty else { return }
            let text = buffer.joined(separator: "\n") + "\n"
            try AtomicFile.write(to: artifacts.workPath(layout.inputShard(shards)), bytes: Array(text.utf8))
            shards += 1
            buffer.removeAll(keepingCapacity: true)
        }
        var summary = IngestSummary()
        let errorsPath = artifacts.workPath(layout.ingestErrors)
        try AtomicFile.write(to: errorsPath) { handle in
                let errors = try ZstdWriter(handle: handle, path: errorsPath, level: context.zstdLevel ?? 3)
                var emitted = 0
                summary = try Ingestor.run(spec.ingest, seed: spec.seed, emit: { row in
                    emitted += 1
                    if emitted % 10_000 == 0 { context.progress.reading(rows: emitted) }
                    buffer.append(row.shardLine)
                    if buffer.count == spec.execution.shardRows { try flush() }
                }, reject: { error in
                    try errors.write(JSONWriter.string(error.json) + "\n")
                })
                try flush()
                try errors.finish()
            }
        for n in 0..<shards { try await artifacts.publish(layout.inputShard(n)) }
        try await artifacts.publish(layout.ingestErrors)
        let record = Summary(read: summary.read, rows: summary.rows, bad: summary.bad, shards: shards)
        try await artifacts.write(layout.ingestSummary, bytes: Array(try JSONEncoder().encode(record)))
        context.progress.ingested(rows: summary.rows, bad: summary.bad, shards: shards)
        let group = job.group
        var jobs = (0..<shards).map { n in
            NewJob(kind: "shard", key: "shard-\(BatchLayout.number(n))", group: group, payload: "{\"shard\":\(n)}",
                   queue: job.queue, priority: job.priority, maxAttempts: spec.execution.maxAttempts)
        }
        jobs.append(NewJob(kind: "finalize", key: "finalize", group: group, queue: job.queue, priority: job.priority,
                           maxAttempts: spec.execution.maxAttempts, dependsOn: jobs.map(\.key)))
        let result = "{\"rows\":\(summary.rows),\"bad\":\(summary.bad),\"shards\":\(shards)}"
        return JobOutcome(result: result, enqueue: jobs)
    }

    static func summary(_ layout: BatchLayout, from artifacts: any ArtifactStore) async throws -> Summary {
        guard let bytes = try await artifacts.read(layout.ingestSummary) else {
            throw PipelineError.io(path: layout.ingestSummary, reason: "the ingest summary is missing")
        }
        do {
            return try JSONDecoder().decode(Summary.self, from: Data(bytes))
        } catch {
            throw PipelineError.io(path: layout.ingestSummary, reason: "cannot read the ingest summary (\(error))")
        }
    }

    static func summary(_ layout: BatchLayout) throws -> Summary {
        do {
            return try JSONDecoder().decode(Summary.self, from: Data(contentsOf: URL(fileURLWithPath: layout.ingestSummary)))
        } catch {
            throw PipelineError.io(path: layout.ingestSummary, reason: "cannot read the ingest summary (\(error))")
        }
    }
}
