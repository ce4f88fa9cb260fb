import Foundation
import TextNLPInference
import TextNLPJobs
import TextNLPPipeline

/// The batches a cluster worker has seen, each opened once: its spec with local paths, its artifacts in the
/// database, and its model session. A model is loaded once per worker and shared by every shard of every
/// batch that uses it with the same engine settings (so their rows batch together); loaded models are kept
/// within `modelBudgetBytes`, the least recently used one going first (a shard that still runs on it keeps
/// it until it ends).
actor ClusterContexts {
    private let store: any BatchStore
    private let catalog: ModelCatalog
    private let scratch: String
    private let modelBudgetBytes: Int
    private let engines: EnginePool?
    private var contexts: [String: (context: BatchContext, modelKey: String?)] = [:]
    private var sessions: [String: ModelSession] = [:]
    /// Model keys, least recently used first.
    private var recency: [String] = []

    init(store: any BatchStore, catalog: ModelCatalog, scratch: String, modelBudgetBytes: Int, engines: EnginePool? = nil) {
        self.engines = engines
        self.store = store
        self.catalog = catalog
        self.scratch = scratch
        self.modelBudgetBytes = modelBudgetBytes
    }

    func directory(_ batch: String) -> String { (scratch as NSString).appendingPathComponent(batch) }

    func context(_ batch: String) async throws -> BatchContext {
        if let open = contexts[batch] {
            if let key = open.modelKey { touch(key) }
            return open.context
        }
        let directory = directory(batch)
        try AtomicFile.createDirectory(directory)
        let spec = try await SubmittedSources.localSpec(batch: batch, store: store, directory: directory)
        let model = try session(for: spec)
        let root = DatabaseArtifactStore.root
        let context = BatchContext(
            spec: spec, layout: BatchLayout(outputRoot: root, batchID: batch), outputs: try OutputPaths(spec: spec, root: root, batchID: batch),
            model: model?.session, progress: BatchProgress(),
            artifacts: DatabaseArtifactStore(store: store, group: batch, scratch: directory))
        contexts[batch] = (context, model?.key)
        return context
    }

    private func session(for spec: PipelineSpec) throws -> (session: ModelSession, key: String)? {
        guard spec.usesModel, let name = spec.model else { return nil }
        let resolved: ResolvedModel
        do {
            resolved = try catalog.resolve(name)
        } catch {
            // This worker cannot run the batch's model (not fetched here, unknown to its catalogue); another may.
            throw PermanentJobError("model '\(name)' on this worker: \(error)")
        }
        let engine = spec.engine
        // In a server, every batch of a model runs in the process's one engine of it (whose settings are the server's).
        let key = engines != nil ? resolved.fingerprint
            : "\(resolved.fingerprint)|\(engine.maxSequences)|\(engine.maxBatchTokens)|\(engine.kvCacheMiB.map(String.init) ?? "-")"
        if let session = sessions[key] {
            touch(key)
            return (session, key)
        }
        let session = ModelSession(resolved, engine: EngineConfiguration(
            maxSequences: engine.maxSequences, maxBatchTokens: engine.maxBatchTokens, kvCacheMiB: engine.kvCacheMiB), shared: engines)
        sessions[key] = session
        touch(key)
        evict(keeping: key)
        return (session, key)
    }

    private func touch(_ key: String) {
        recency.removeAll { $0 == key }
        recency.append(key)
    }

    /// Drops least recently used models (and the batches opened on them) until the rest fit the budget.
    private func evict(keeping key: String) {
        func total() -> Int { sessions.values.reduce(0) { $0 + $1.resolved.bytes } }
        while total() > modelBudgetBytes, let oldest = recency.first, oldest != key {
            recency.removeFirst()
            sessions[oldest] = nil
            contexts = contexts.filter { $0.value.modelKey != oldest }
        }
    }

    /// Forgets a batch (cancelled or finished) and removes its scratch files.
    func close(_ batch: String) {
        contexts[batch] = nil
        try? FileManager.default.removeItem(atPath: directory(batch))
    }
}
