import Foundation
import TextNLPInference
import TextNLPPipeline

/// A batch id names one execution of one pipeline file over one input with one model: running the same
/// command again finds the same batch (and resumes it); changing the file, the input or the model starts
/// a new one.
public enum BatchIdentity {
    /// `model` is the batch's session: its fingerprint is the catalogue's SHA-256, or for a plain file its
    /// path, size and modification time.
    public static func id(spec: PipelineSpec, model: ModelSession?) throws -> String {
        var h = SHA256()
        h.update(spec.source)
        h.update(Array("\u{0}input:\(try SHA256.hex(fileAt: spec.ingest.path))".utf8))
        h.update(Array("\u{0}model:\(model?.resolved.fingerprint ?? "none")".utf8))
        let digest = h.finalize().prefix(6).map { String(format: "%02x", $0) }.joined()
        return "\(spec.name)-\(digest)"
    }
}
