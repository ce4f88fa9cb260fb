import TextNLPJobs
import TextNLPPipeline

/// The artifact names of a batch's outputs in its store, where its pipeline's export put them.
public enum BatchFiles {
    public struct Names: Sendable {
        public var data: String
        public var errors: String
        public var manifest: String
        public var reportJSON: String
        public var reportHTML: String
    }

    /// Nil when the store has no pipeline for the batch (a batch that failed validation, or was pruned).
    public static func names(batch: String, store: any BatchStore) async throws -> Names? {
        guard let bytes = try await store.artifactBytes(group: batch, name: SubmittedSources.pipeline(batch)) else { return nil }
        let spec = try PipelineSpec.decode(bytes, file: "\(store.description) batch \(batch) pipeline.json")
        let paths = try OutputPaths(spec: spec, root: DatabaseArtifactStore.root, batchID: batch)
        let name = DatabaseArtifactStore.name
        return Names(data: name(paths.data), errors: name(paths.errors), manifest: name(paths.manifest),
                     reportJSON: name(paths.reportJSON), reportHTML: name(paths.reportHTML))
    }
}
