import Foundation

/// Where a batch's outputs go: the export path rendered and checked to stay inside the output root,
/// with the manifest, errors file and reports beside it.
public struct OutputPaths: Sendable, Equatable {
    public var root: String
    public var data: String

    public init(spec: PipelineSpec, root: String, batchID: String) throws {
        let template = try TextTemplate(spec.export.path)
        let relative = template.render([
            "name": spec.name, "batch_id": batchID, "version": String(spec.version), "seed": String(spec.seed),
        ])
        let rootURL = URL(fileURLWithPath: root).standardizedFileURL
        let dataURL = rootURL.appendingPathComponent(relative).standardizedFileURL
        let rootPath = rootURL.path.hasSuffix("/") ? rootURL.path : rootURL.path + "/"
        guard !relative.hasPrefix("/"), dataURL.path.hasPrefix(rootPath), dataURL.path.count > rootPath.count else {
            throw PipelineError.outsideOutputRoot(path: relative, root: rootURL.path)
        }
        self.root = rootURL.path
        data = dataURL.path
    }

    public var directory: String { (data as NSString).deletingLastPathComponent }
    public var manifest: String { (directory as NSString).appendingPathComponent("manifest.json") }
    public var errors: String { (directory as NSString).appendingPathComponent("errors.jsonl.zst") }
    public var reportJSON: String { (directory as NSString).appendingPathComponent("report.json") }
    public var reportHTML: String { (directory as NSString).appendingPathComponent("report.html") }
}
