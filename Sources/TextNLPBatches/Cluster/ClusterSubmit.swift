import Foundation
import TextNLPJobs
import TextNLPPipeline

/// Submits a pipeline to a batch store (a cluster's PostgreSQL, or the embedded server's SQLite file):
/// uploads what it reads, records the batch and enqueues its ingest job.
/// The batch id is the embedded one (the same pipeline, input and model give the same id), so that a
/// batch's dataset has the same path and bytes wherever it runs.
public struct ClusterSubmit: Sendable {
    public var spec: PipelineSpec
    public var model: ModelSession?
    public var idempotencyKey: String?
    /// The queue of the batch's jobs (default: the pipeline's `execution.queue`).
    public var queue: String?
    /// Lower runs first.
    public var priority: Int
    /// Whose batch it is (the API key's tenant; "" for the command line). Keys are per tenant.
    public var tenant: String
    /// What the API that submits it records with it (`BatchRecord.details`).
    public var details: String?
    /// The batch's id when the caller names it (the OpenAI API: every create is a new batch); otherwise it
    /// derives from the pipeline, input and model.
    public var id: String?

    public init(spec: PipelineSpec, model: ModelSession?, idempotencyKey: String? = nil, queue: String? = nil, priority: Int = 0,
                tenant: String = "", details: String? = nil) {
        self.spec = spec
        self.model = model
        self.idempotencyKey = idempotencyKey
        self.queue = queue
        self.priority = priority
        self.tenant = tenant
        self.details = details
    }

    public struct Submitted: Sendable {
        public var batch: BatchRecord
        /// False when the submit found the batch already recorded (the same key, or the same id).
        public var created: Bool
    }

    public func run(on store: any BatchStore) async throws -> Submitted {
        let id = try batchID()
        if let key = idempotencyKey, let existing = try await store.batch(idempotencyKey: key, tenant: tenant) {
            return Submitted(batch: existing, created: false)
        }
        let queue = queue ?? spec.execution.queue
        if try await store.batch(id: id) == nil {
            try await SubmittedSources.upload(spec, batch: id, to: store)
        }
        let recorded = try await store.recordBatch(BatchRecord(
            id: id, name: spec.name, idempotencyKey: idempotencyKey, queue: queue, model: spec.model, specSHA256: spec.sha256,
            tenant: tenant, details: details))
        if recorded.batch.id == id {
            // Enqueueing is idempotent: this also heals a submit that ended between recording and enqueueing.
            try await store.enqueue([NewJob(kind: "ingest", key: "ingest", group: id, queue: recorded.batch.queue, priority: priority,
                                            maxAttempts: spec.execution.maxAttempts)])
            if !recorded.created {
                // Submitting a failed batch again retries what failed, as running it again does in embedded mode.
                try await store.retryDiscarded(group: id)
            }
        }
        return Submitted(batch: recorded.batch, created: recorded.created)
    }
}

extension ClusterSubmit {
    /// The embedded id for the command line; a tenant's batch is its own (two tenants who submit the same
    /// pipeline and input get two batches, and neither can see the other's).
    func batchID() throws -> String {
        if let id { return id }
        let id = try BatchIdentity.id(spec: spec, model: model)
        guard !tenant.isEmpty else { return id }
        return "batch_" + String(SHA256.hex(Array("\(tenant)\n\(id)".utf8)).prefix(24))
    }
}
