import ArgumentParser
import Foundation
import TextNLPBatches
import TextNLPInference
import TextNLPJobs
import TextNLPPipeline

extension TextNLP {
    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a pipeline, upload its input and templates to the database, and queue it for `textnlp worker`s.")

        @Argument(help: "The pipeline file (see Pipelines/README.md).")
        var pipeline: String

        @OptionGroup var database: DatabaseOption
        @OptionGroup var root: OutputRootOption

        @Option(name: .long, help: "Submitting the same key again returns the same batch (e.g. nightly-$(date +%F)).")
        var idempotencyKey: String?

        @Option(name: .long, help: "The queue of the batch's jobs (default: the pipeline's execution.queue).")
        var queue: String?

        @Option(name: .long, help: "Lower runs first (default 0).")
        var priority = 0

        @Option(name: .long, help: "The tenant the batch belongs to, so that its API keys see it in `textnlp serve` (default: none, the command line's own).")
        var tenant = ""

        @Flag(name: .long, help: "Wait for the batch to end: exit 0 when it completes, 1 when it fails or is cancelled.")
        var wait = false

        @Flag(name: .long, help: "Print one JSON object (the batch's status) instead of the id.")
        var json = false

        func validate() throws {
            if let idempotencyKey, idempotencyKey.isEmpty || idempotencyKey.count > 200 {
                throw ValidationError("--idempotency-key must be 1 to 200 characters")
            }
            if tenant.count > 128 { throw ValidationError("--tenant must be at most 128 characters") }
        }

        func run() async throws {
            let catalog = try ModelCatalog()
            let spec = try PipelineLoader.load(pipeline, outputRoot: root.resolved, catalog: catalog)
            let model = try ModelSession.open(for: spec, catalog: catalog)
            let store = try await database.connect(for: "submit")
            try await withStore(store) { store in
                let submitted = try await ClusterSubmit(spec: spec, model: model, idempotencyKey: idempotencyKey, queue: queue,
                                                        priority: priority, tenant: tenant).run(on: store)
                let id = submitted.batch.id
                FileHandle.standardError.write(Data("textnlp: batch \(id) \(submitted.created ? "submitted" : "was already submitted") to \(store.description)\n".utf8))
                var status = try await ClusterBatches.status(id, in: store)
                if wait {
                    status = try await ClusterBatches.wait(id, in: store) { s in
                        FileHandle.standardError.write(Data("textnlp: batch \(id): \(s.status), shards \(s.shardsDone)/\(s.shardsTotal.map(String.init) ?? "?")\n".utf8))
                    }
                }
                Output.line(json ? JSONWriter.string(status.json) : id)
                if wait && status.status != "completed" {
                    throw CLIError.failed("batch \(id) \(status.status)" + Self.reasons(status))
                }
            }
        }

        static func reasons(_ status: BatchStatus) -> String {
            let failed = status.jobs.filter { $0.state == .discarded }
            return failed.isEmpty ? "" : ":\n" + failed.map { "  \($0.key): \($0.errors.last?.message ?? "failed")" }.joined(separator: "\n")
        }
    }
}
