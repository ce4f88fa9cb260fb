import Foundation
import TextNLPInference

/// Checks that need the machine: input files, partials, the model, the output root, and the input's fields.
public struct PipelineChecks {
    public var outputRoot: String
    public var catalog: ModelCatalog

    public init(outputRoot: String, catalog: ModelCatalog) {
        self.outputRoot = outputRoot
        self.catalog = catalog
    }

    public func issues(for spec: PipelineSpec) -> [SpecIssue] {
        var log = IssueLog()
        let fm = FileManager.default
        let ingestIndex = 0
        let ingest = spec.ingest
        var inputFields: Set<String>?
        var isDirectory: ObjCBool = false
        if !fm.fileExists(atPath: ingest.path, isDirectory: &isDirectory) || isDirectory.boolValue {
            log.add("stages[\(ingestIndex)].ingest.path", "no such file: \(ingest.path)")
        } else if !fm.isReadableFile(atPath: ingest.path) {
            log.add("stages[\(ingestIndex)].ingest.path", "cannot read \(ingest.path)")
        } else {
            inputFields = InputFields.sample(ingest)
        }
        for (i, stage) in spec.stages.enumerated() {
            guard case .template(let t) = stage else { continue }
            let used = MustacheScan.partials(t.prompt) + (t.system.map(MustacheScan.partials) ?? [])
            if let dir = t.partials {
                if !fm.fileExists(atPath: dir, isDirectory: &isDirectory) || !isDirectory.boolValue {
                    log.add("stages[\(i)].template.partials", "no such directory: \(dir)")
                    continue
                }
                for name in used where !fm.fileExists(atPath: "\(dir)/\(name).mustache") {
                    log.add("stages[\(i)].template", "partial {{> \(name)}}: no file \(dir)/\(name).mustache")
                }
            } else if let name = used.first {
                log.add("stages[\(i)].template", "partial {{> \(name)}} used but no \"partials\" directory is set")
            }
        }
        if spec.usesModel, let model = spec.model {
            do {
                _ = try catalog.resolve(model)
            } catch {
                log.add("model", "\(error)")
            }
        }
        do {
            _ = try OutputPaths(spec: spec, root: outputRoot, batchID: "check")
        } catch {
            log.add("stages[\(spec.stages.count - 1)].export.path", "\(error)")
        }
        if let inputFields {
            var reported = Set<String>()
            for need in spec.inputRequirements where !inputFields.contains(need.field) && reported.insert(need.path + "\u{0}" + need.field).inserted {
                let known = inputFields.sorted().prefix(12).joined(separator: ", ")
                log.add(need.path, "field \"\(need.field)\" is neither written by an earlier stage nor present in the input (input fields: \(known))")
            }
        }
        return log.issues
    }
}
