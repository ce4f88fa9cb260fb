import Foundation
import TextNLPInference
import TextNLPJobs
import TextNLPPipeline

/// Everything the job handlers of one batch share: the spec, where files go, the model session (one
/// engine for all shards so their rows batch together), and progress.
public final class BatchContext: Sendable {
    public let spec: PipelineSpec
    public let layout: BatchLayout
    public let outputs: OutputPaths
    public let model: ModelSession?
    public let progress: BatchProgress
    /// Where the batch's files live: files for the embedded store, the database for a cluster.
    public let artifacts: any ArtifactStore

    public init(spec: PipelineSpec, layout: BatchLayout, outputs: OutputPaths, model: ModelSession?, progress: BatchProgress,
                artifacts: any ArtifactStore = LocalArtifactStore()) {
        self.spec = spec
        self.layout = layout
        self.outputs = outputs
        self.model = model
        self.progress = progress
        self.artifacts = artifacts
    }

    /// The generator for the generate stages.
    func generator() async throws -> any TextGenerator {
        guard let model else { throw PermanentJobError("the pipeline names no model") }
        return try await model.generator()
    }

    var zstdLevel: Int? { spec.export.compression == .zstd ? spec.export.zstdLevel : nil }
}
