import Foundation
import TextNLPJobs
import TextNLPPipeline

/// What a submit uploads besides the batch's own artifacts, so that a worker on any machine has what the
/// pipeline reads: the pipeline file's bytes, the input file and every template's partials. A worker
/// downloads them into its scratch directory and runs a copy of the spec whose paths point there; the
/// spec's bytes (and so the batch id and the manifest's SHA-256) stay the submitted ones.
enum SubmittedSources {
    static func pipeline(_ batch: String) -> String { "batches/\(batch)/pipeline.json" }
    static func input(_ batch: String) -> String { "batches/\(batch)/source/input" }
    static func partials(_ batch: String, stage: Int) -> String { "batches/\(batch)/source/partials/\(stage)/" }

    /// Uploads the sources of `spec` as artifacts of `batch`, streaming the input.
    static func upload(_ spec: PipelineSpec, batch: String, to store: any BatchStore) async throws {
        try await store.putArtifact(group: batch, name: pipeline(batch), bytes: spec.source)
        try await store.putArtifact(group: batch, name: input(batch), fromFile: spec.ingest.path)
        for (index, stage) in spec.stages.enumerated() {
            guard case .template(let t) = stage, let directory = t.partials else { continue }
            for file in try partialFiles(directory) {
                let path = (directory as NSString).appendingPathComponent(file)
                try await store.putArtifact(group: batch, name: partials(batch, stage: index) + file, fromFile: path)
            }
        }
    }

    /// The `*.mustache` files of a partials directory.
    private static func partialFiles(_ directory: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".mustache") }.sorted()
        } catch {
            throw PipelineError.io(path: directory, reason: "cannot list the partials directory")
        }
    }

    /// The submitted spec of `batch` with its paths moved into `directory`: the partials downloaded now,
    /// the input at `inputPath(directory)` (downloaded by `fetchInput` when the ingest job needs it).
    static func localSpec(batch: String, store: any BatchStore, directory: String) async throws -> PipelineSpec {
        let sources = DatabaseArtifactStore(store: store, group: batch, scratch: directory)
        guard let bytes = try await sources.read(pipeline(batch)) else {
            throw PermanentJobError("batch \(batch) has no pipeline.json in \(store.description); was it pruned?")
        }
        var spec = try PipelineSpec.decode(bytes, file: "\(store.description) batch \(batch) pipeline.json")
        let entries = try await store.artifacts(group: batch)
        for (index, stage) in spec.stages.enumerated() {
            switch stage {
            case .ingest(var ingest):
                ingest.path = inputPath(directory)
                spec.stages[index] = .ingest(ingest)
            case .template(var template) where template.partials != nil:
                let local = (directory as NSString).appendingPathComponent("partials/\(index)")
                try AtomicFile.createDirectory(local)
                let prefix = partials(batch, stage: index)
                for entry in entries where entry.name.hasPrefix(prefix) {
                    let file = (local as NSString).appendingPathComponent(String(entry.name.dropFirst(prefix.count)))
                    _ = try await sources.download(entry.name, to: file)
                }
                template.partials = local
                spec.stages[index] = .template(template)
            default:
                continue
            }
        }
        return spec
    }

    static func inputPath(_ directory: String) -> String { (directory as NSString).appendingPathComponent("input") }

    /// Downloads the batch's input to where its local spec reads it, once.
    static func fetchInput(batch: String, store: any BatchStore, directory: String) async throws {
        let target = inputPath(directory)
        if FileManager.default.fileExists(atPath: target) { return }
        let sources = DatabaseArtifactStore(store: store, group: batch, scratch: directory)
        guard try await sources.download(input(batch), to: target) else {
            throw PermanentJobError("batch \(batch) has no uploaded input in \(store.description)")
        }
    }
}
