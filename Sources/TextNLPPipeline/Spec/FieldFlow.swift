/// Which fields each stage reads and writes. A read of a field that no earlier stage writes must be an
/// input field; `decode` records those reads and `PipelineChecks` compares them with the input's fields.
public struct FieldRequirement: Sendable, Equatable {
    public var path: String
    public var field: String
}

extension PipelineSpec {
    /// The fields a stage adds to the row (or to the output record, for `format`).
    static func produced(by stage: Stage) -> [String] {
        switch stage {
        case .ingest: ["id"]
        case .template(let t): [t.field]
        case .generate(let g):
            [g.field, "\(g.field)_prompt_tokens", "\(g.field)_completion_tokens", "\(g.field)_finish_reason"] + (g.n > 1 ? ["sample"] : [])
        case .format(let f):
            (f.includeID ? ["id"] : []) + (f.style == .record ? f.fields.map(\.name) :
                f.style == .chat ? ["messages"] : f.style == .alpaca ? ["instruction", "input", "output"] : ["text"])
        case .validate(let v): [v.field, "flags"]
        case .export: []
        }
    }

    /// Reads of fields not written by an earlier stage, in stage order.
    public var inputRequirements: [FieldRequirement] {
        var known: Set<String> = []
        var needs: [FieldRequirement] = []
        func read(_ field: String, _ path: String) {
            if !known.contains(field) { needs.append(FieldRequirement(path: path, field: field)) }
        }
        func readTemplate(_ template: String, _ path: String) {
            for v in MustacheScan.variables(template) { read(v, path) }
        }
        for (i, stage) in stages.enumerated() {
            let p = "stages[\(i)].\(stage.name)"
            switch stage {
            case .ingest(let s):
                if let id = s.idField { read(id, "\(p).id") }
            case .template(let t):
                readTemplate(t.prompt, "\(p).prompt")
                if let s = t.system { readTemplate(s, "\(p).system") }
            case .generate(let g):
                read(g.input, "\(p).input")
            case .format(let f):
                for (k, step) in f.post.enumerated() { read(step.field, "\(p).post[\(k)].field") }
                for field in f.fields { readTemplate(field.template, "\(p).fields.\(field.name)") }
            case .validate(let v):
                read(v.hypothesis, "\(p).hypothesis")
                if let r = v.reference { read(r, "\(p).reference") }
            case .export(let e):
                for (k, c) in (e.columns ?? []).enumerated() { read(c, "\(p).columns[\(k)]") }
            }
            known.formUnion(Self.produced(by: stage))
        }
        return needs
    }

    /// Checks that need only the file: the generate input must come from a template or the input, an
    /// export to CSV must know its columns, and so on.
    mutating func checkReferences(log: inout IssueLog) {
        for (i, stage) in stages.enumerated() {
            if case .export(let e) = stage, e.format == .csv, e.columns == nil {
                let shaped = stages.contains { if case .format(let f) = $0, f.style == .record, !f.fields.isEmpty { true } else { false } }
                if !shaped { log.add("stages[\(i)].export.columns", "is required for csv unless a format stage names its fields") }
            }
        }
    }

    /// The CSV header an export writes: the named columns, or the fields of the last format stage.
    public var csvColumns: [String] {
        if let columns = export.columns { return columns }
        var columns: [String] = []
        for case .format(let f) in stages { columns = (f.includeID ? ["id"] : []) + f.fields.map(\.name) }
        return columns
    }
}
