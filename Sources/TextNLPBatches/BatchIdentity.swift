import Foundation
import TextNLPInference
import TextNLPPipeline

/// A batch id names one execution of one pipeline file over one input with one model: running the same
/// command again finds the same batch (and resumes it); changing the file, the input or the model starts
/// a new one.
public enum BatchIdentity {
    public static func id(spec: PipelineSpec, modelFingerprint: String) throws -> String {
        var h = SHA256()
        h.update(spec.source)
        h.update(Array("\u{0}input:\(try SHA256.hex(fileAt: spec.ingest.path))".utf8))
        h.update(Array("\u{0}model:\(modelFingerprint)".utf8))
        let digest = h.finalize().prefix(6).map { String(format: "%02x", $0) }.joined()
        return "\(spec.name)-\(digest)"
    }

    /// The catalogue's SHA-256 for a model id; for a path, its size and modification time.
    public static func modelFingerprint(_ model: String?, catalog: ModelCatalog?) -> String {
        guard let model else { return "none" }
        if let catalog, let resolved = try? catalog.resolve(model) {
            if let entry = resolved.entry { return entry.sha256 }
            let attributes = try? FileManager.default.attributesOfItem(atPath: resolved.path)
            let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(resolved.path):\(size):\(modified)"
        }
        return model
    }
}
