import Foundation

/// A pipeline file, decoded and checked. Stages run in file order; the first is `ingest`, the last `export`.
public struct PipelineSpec: Sendable {
    public enum Stage: Sendable {
        case ingest(IngestSpec)
        case template(TemplateSpec)
        case generate(GenerateSpec)
        case format(FormatSpec)
        case validate(ValidateSpec)
        case export(ExportSpec)

        public var name: String {
            switch self {
            case .ingest: "ingest"
            case .template: "template"
            case .generate: "generate"
            case .format: "format"
            case .validate: "validate"
            case .export: "export"
            }
        }
    }

    public var name: String
    public var version: Int
    public var description: String?
    public var model: String?
    public var seed: UInt64
    public var stages: [Stage]
    public var execution: ExecutionSpec
    public var engine: EngineSpec
    /// SHA-256 of the file's bytes: identifies the batch and goes into the manifest.
    public var sha256: String
    /// The file's bytes, snapshotted into the batch directory.
    public var source: [UInt8]

    public var ingest: IngestSpec {
        for case .ingest(let s) in stages { return s }
        preconditionFailure("decode guarantees an ingest stage")
    }

    public var export: ExportSpec {
        for case .export(let s) in stages { return s }
        preconditionFailure("decode guarantees an export stage")
    }

    /// The stages that run on the rows of each shard (everything between ingest and export).
    public var rowStages: [Stage] {
        stages.filter {
            switch $0 {
            case .ingest, .export: false
            default: true
            }
        }
    }

    public var usesModel: Bool {
        stages.contains { if case .generate = $0 { true } else { false } }
    }
}

public struct ExecutionSpec: Sendable {
    public var shardRows = 64
    public var maxAttempts = 3
    public var workers = 2
    public var queue = "default"
    public var leaseSeconds = 30
}

public struct EngineSpec: Sendable {
    public var maxSequences = 32
    public var maxBatchTokens = 512
    public var kvCacheMiB: Int?
}

extension PipelineSpec {
    static let nameCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")

    /// Decodes a pipeline file strictly; throws a `SpecError` listing every problem found.
    public static func decode(contentsOf url: URL) throws -> PipelineSpec {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: url))
        } catch {
            throw SpecError(file: url.path, issues: [SpecIssue(path: "", message: "cannot read the file (\(error.localizedDescription))")])
        }
        return try decode(bytes, file: url.path)
    }

    public static func decode(_ bytes: [UInt8], file: String) throws -> PipelineSpec {
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw SpecError(file: file, issues: [SpecIssue(path: "", message: "not valid JSON: \(error)")])
        }
        var log = IssueLog()
        let spec = decode(root, bytes: bytes, log: &log)
        if let spec, log.issues.isEmpty { return spec }
        throw SpecError(file: file, issues: log.issues)
    }

    static func decode(_ root: JSONValue, bytes: [UInt8], log: inout IssueLog) -> PipelineSpec? {
        guard var r = ObjectReader(root, path: "", log: &log) else { return nil }
        _ = r.string("$schema", log: &log)  // editors' schema hint
        let name = r.string("name", required: true, log: &log)
        if let name, name.unicodeScalars.contains(where: { !nameCharacters.contains($0) }) {
            log.add("name", "may contain only letters, digits, '-', '_' and '.'")
        }
        let version = r.int("version", in: 1...1_000_000, log: &log) ?? 1
        let description = r.string("description", nonEmpty: false, log: &log)
        let model = r.string("model", log: &log)
        let seed = r.int("seed", in: 0...Int.max, log: &log) ?? 0
        let stages = decodeStages(r.value("stages"), log: &log)
        var execution = ExecutionSpec()
        if var e = r.object("execution", log: &log) {
            execution.shardRows = e.int("shard_rows", in: 1...1_000_000, log: &log) ?? execution.shardRows
            execution.maxAttempts = e.int("max_attempts", in: 1...100, log: &log) ?? execution.maxAttempts
            execution.workers = e.int("workers", in: 1...64, log: &log) ?? execution.workers
            execution.queue = e.string("queue", log: &log) ?? execution.queue
            execution.leaseSeconds = e.int("lease_seconds", in: 5...3600, log: &log) ?? execution.leaseSeconds
            e.finish(log: &log)
        }
        var engine = EngineSpec()
        if var e = r.object("engine", log: &log) {
            engine.maxSequences = e.int("max_sequences", in: 1...1024, log: &log) ?? engine.maxSequences
            engine.maxBatchTokens = e.int("max_batch_tokens", in: 16...65536, log: &log) ?? engine.maxBatchTokens
            engine.kvCacheMiB = e.int("kv_cache_mib", in: 16...1_048_576, log: &log)
            e.finish(log: &log)
        }
        r.finish(log: &log)
        if stages.contains(where: { if case .generate = $0 { true } else { false } }), model == nil {
            log.add("model", "is required when a generate stage is present")
        }
        var spec = PipelineSpec(
            name: name ?? "", version: version, description: description, model: model, seed: UInt64(seed),
            stages: stages, execution: execution, engine: engine, sha256: SHA256.hex(bytes), source: bytes)
        spec.checkReferences(log: &log)
        return spec
    }

    static func decodeStages(_ value: JSONValue?, log: inout IssueLog) -> [Stage] {
        guard let value else {
            log.add("stages", "is required")
            return []
        }
        guard case .array(let items) = value else {
            log.add("stages", "must be an array, not \(value.typeName)")
            return []
        }
        var stages: [Stage] = []
        for (i, item) in items.enumerated() {
            let path = "stages[\(i)]"
            guard case .object(let object) = item else {
                log.add(path, "must be an object with one stage key, not \(item.typeName)")
                continue
            }
            guard object.count == 1, let key = object.keys.first, let body = object[key] else {
                log.add(path, "must have exactly one key, the stage (ingest, template, generate, format, validate, export)")
                continue
            }
            let stagePath = "\(path).\(key)"
            guard var r = ObjectReader(body, path: stagePath, log: &log) else { continue }
            let stage: Stage?
            switch key {
            case "ingest": stage = IngestSpec.decode(&r, log: &log).map(Stage.ingest)
            case "template": stage = TemplateSpec.decode(&r, log: &log).map(Stage.template)
            case "generate": stage = GenerateSpec.decode(&r, log: &log).map(Stage.generate)
            case "format": stage = FormatSpec.decode(&r, log: &log).map(Stage.format)
            case "validate": stage = ValidateSpec.decode(&r, log: &log).map(Stage.validate)
            case "export": stage = ExportSpec.decode(&r, log: &log).map(Stage.export)
            default:
                log.add(path, "unknown stage \"\(key)\" (expected ingest, template, generate, format, validate or export)")
                continue
            }
            r.finish(log: &log)
            if let stage { stages.append(stage) }
        }
        let ingestIndices = items.indices.filter { items[$0].objectValue?.keys.first == "ingest" }
        let exportIndices = items.indices.filter { items[$0].objectValue?.keys.first == "export" }
        if ingestIndices != [0], !items.isEmpty { log.add("stages", "the first stage, and only the first, must be ingest") }
        if exportIndices != [items.count - 1], !items.isEmpty { log.add("stages", "the last stage, and only the last, must be export") }
        if items.isEmpty { log.add("stages", "must hold at least an ingest and an export stage") }
        return stages
    }
}
