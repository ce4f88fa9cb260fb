import Foundation
import TextNLPInference
import TextNLPJobs
import TextNLPPipeline

/// Everything the job handlers of one batch share: the spec, where files go, the model and engine
/// (loaded on first use, one engine for all shards so their rows batch together), and progress.
public final class BatchContext: Sendable {
    public let spec: PipelineSpec
    public let layout: BatchLayout
    public let outputs: OutputPaths
    public let catalog: ModelCatalog?
    public let progress: BatchProgress
    private let models: ModelHolder

    public init(spec: PipelineSpec, layout: BatchLayout, outputs: OutputPaths, catalog: ModelCatalog?, progress: BatchProgress) {
        self.spec = spec
        self.layout = layout
        self.outputs = outputs
        self.catalog = catalog
        self.progress = progress
        models = ModelHolder(spec: spec, catalog: catalog)
    }

    public func model() async throws -> (model: LoadedModel, engine: GenerationEngine) {
        try await models.get()
    }

    var zstdLevel: Int? { spec.export.compression == .zstd ? spec.export.zstdLevel : nil }
}

/// Loads the model once, on first use.
actor ModelHolder {
    private let spec: PipelineSpec
    private let catalog: ModelCatalog?
    private var loaded: (model: LoadedModel, engine: GenerationEngine)?

    init(spec: PipelineSpec, catalog: ModelCatalog?) {
        self.spec = spec
        self.catalog = catalog
    }

    func get() throws -> (model: LoadedModel, engine: GenerationEngine) {
        if let loaded { return loaded }
        guard let name = spec.model else { throw PermanentJobError("the pipeline names no model") }
        let model = try LoadedModel(name, catalog: catalog)
        let configuration = EngineConfiguration(
            maxSequences: spec.engine.maxSequences, maxBatchTokens: spec.engine.maxBatchTokens, kvCacheMiB: spec.engine.kvCacheMiB)
        let engine = GenerationEngine(model: model.model, tokenizer: model.tokenizer, configuration: configuration)
        loaded = (model, engine)
        return (model, engine)
    }
}
