import Foundation
import Logging
import TextNLPBatches
import TextNLPInference
import TextNLPJobs
import TextNLPPipeline

extension TextNLP.Run {
    /// `run` with a database: submits the batch, works on it with in-process workers (beside any
    /// `textnlp worker`s), waits for its end and downloads its outputs into the output root. Ctrl-C or
    /// SIGTERM gives back what this process holds; the batch stays in the database for other workers.
    func runOnCluster(spec: PipelineSpec, catalog: ModelCatalog, outputRoot: String, stop: StopRequest) async throws {
        let logger = Logger(label: "textnlp.run")
        let model = try ModelSession.open(for: spec, catalog: catalog)
        let store = try await database.connect(for: "run", logger: logger)
        let outcome: BatchStatus
        do {
            outcome = try await runBatch(spec: spec, model: model, catalog: catalog, outputRoot: outputRoot, store: store, stop: stop,
                                         logger: logger)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        switch outcome.status {
        case "completed":
            Output.line(RunSummary.text(outputs: try OutputPaths(spec: spec, root: outputRoot, batchID: outcome.batchID)))
        case "interrupted":
            throw CLIError.failed("interrupted; the batch stays in the database, where workers go on with it (textnlp status \(outcome.batchID))", exitCode: 130)
        default:
            throw CLIError.failed("batch \(outcome.batchID) \(outcome.status)" + TextNLP.Submit.reasons(outcome))
        }
    }

    private func runBatch(spec: PipelineSpec, model: ModelSession?, catalog: ModelCatalog, outputRoot: String, store: PostgresJobStore,
                          stop: StopRequest, logger: Logger) async throws -> BatchStatus {
        let submitted = try await ClusterSubmit(spec: spec, model: model).run(on: store)
        let id = submitted.batch.id
        FileHandle.standardError.write(Data("textnlp: batch \(id) on \(store.description)\n".utf8))
        let scratch = NSTemporaryDirectory() + "textnlp-run-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let worker = ClusterWorker(store: store, catalog: catalog, queues: [submitted.batch.queue],
                                   concurrency: workers ?? spec.execution.workers, leaseSeconds: Double(spec.execution.leaseSeconds),
                                   scratch: scratch, logger: logger)
        let work = Task {
            try await worker.run(until: { try await ClusterBatches.status(id, in: store).isFinal })
        }
        stop.onRequest { work.cancel() }
        try await work.value
        var status = try await ClusterBatches.status(id, in: store)
        if work.isCancelled {
            status.status = "interrupted"
            return status
        }
        if status.status == "completed" {
            try await ClusterBatches.download(id, from: store, to: outputRoot)
        }
        return status
    }
}
