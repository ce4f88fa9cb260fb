/// `format`: post-processes fields, then shapes the output record.
public struct FormatSpec: Sendable {
    public enum Style: String, Sendable, CaseIterable { case record, chat, alpaca, text }

    public var style: Style = .record
    /// Output fields in order, each a Mustache template over the row.
    public var fields: [(name: String, template: String)] = []
    public var includeID = true
    public var post: [PostStep] = []

    /// The fields each style needs, and the defaults it uses when the pipeline names none.
    static func styleFields(_ style: Style) -> [(name: String, required: Bool)] {
        switch style {
        case .record: []
        case .chat: [("system", false), ("user", true), ("assistant", true)]
        case .alpaca: [("instruction", true), ("input", false), ("output", true)]
        case .text: [("text", true)]
        }
    }

    static func decode(_ r: inout ObjectReader, log: inout IssueLog) -> FormatSpec? {
        var s = FormatSpec()
        s.style = r.choice("style", Style.allCases.map(\.rawValue), log: &log).flatMap(Style.init(rawValue:)) ?? .record
        s.includeID = r.bool("include_id", log: &log) ?? true
        if let f = r.object("fields", log: &log) {
            for (name, value) in f.object.pairs {
                let path = joinPath(f.path, name)
                guard case .string(let template) = value else {
                    log.add(path, "must be a template string, not \(value.typeName)")
                    continue
                }
                if let problem = MustacheScan.syntaxProblem(template) { log.add(path, problem) }
                s.fields.append((name, template))
            }
            let allowed = styleFields(s.style)
            if !allowed.isEmpty {
                for (name, _) in s.fields where !allowed.contains(where: { $0.name == name }) {
                    log.add(joinPath(f.path, name), "is not a field of the \(s.style.rawValue) style (\(allowed.map(\.name).joined(separator: ", ")))")
                }
                for (name, required) in allowed where required && !s.fields.contains(where: { $0.name == name }) {
                    log.add(f.path, "the \(s.style.rawValue) style needs \"\(name)\"")
                }
            }
        } else if s.style != .record {
            log.add(joinPath(r.path, "fields"), "is required for the \(s.style.rawValue) style")
        }
        if case .array(let steps)? = r.value("post") {
            for (i, step) in steps.enumerated() {
                let path = "\(joinPath(r.path, "post"))[\(i)]"
                guard var sr = ObjectReader(step, path: path, log: &log) else { continue }
                if let p = PostStep.decode(&sr, log: &log) { s.post.append(p) }
                sr.finish(log: &log)
            }
        } else if let v = r.object["post"] {
            log.add(joinPath(r.path, "post"), "must be an array of steps, not \(v.typeName)")
        }
        return s
    }
}

/// One post-processing step on a field of the row.
public struct PostStep: Sendable {
    public enum OnInvalid: String, Sendable, CaseIterable { case drop, keep, fail }
    public enum Operation: Sendable {
        case trim
        case stripPrefix(String)
        case cutAt([String])
        case extract(pattern: String, group: Int, onNoMatch: OnInvalid)
        case parseJSON(onInvalid: OnInvalid)
    }

    public var field: String
    public var operation: Operation

    static let operations = ["trim", "strip_prefix", "cut_at", "extract", "parse_json"]

    static func decode(_ r: inout ObjectReader, log: inout IssueLog) -> PostStep? {
        let field = r.string("field", required: true, log: &log)
        let present = operations.filter { r.has($0) }
        guard present.count == 1 else {
            log.add(r.path, "must have exactly one of \(operations.joined(separator: ", "))")
            _ = operations.map { r.value($0) }
            _ = ["group", "on_no_match", "on_invalid"].map { r.value($0) }
            return nil
        }
        var operation: Operation?
        switch present[0] {
        case "trim":
            if r.bool("trim", log: &log) == true { operation = .trim } else { operation = nil }
        case "strip_prefix":
            operation = r.string("strip_prefix", log: &log).map(Operation.stripPrefix)
        case "cut_at":
            operation = r.strings("cut_at", single: true, log: &log).map(Operation.cutAt)
        case "extract":
            let pattern = r.string("extract", log: &log)
            let group = r.int("group", in: 0...99, log: &log) ?? 1
            let onNoMatch = r.choice("on_no_match", OnInvalid.allCases.map(\.rawValue), log: &log).flatMap(OnInvalid.init(rawValue:)) ?? .keep
            if let pattern {
                do {
                    let regex = try Regex(pattern)
                    _ = regex
                    operation = .extract(pattern: pattern, group: group, onNoMatch: onNoMatch)
                } catch {
                    log.add(joinPath(r.path, "extract"), "is not a valid regular expression (\(error))")
                }
            }
        default:
            _ = r.value("parse_json")
            let onInvalid = r.choice("on_invalid", OnInvalid.allCases.map(\.rawValue), log: &log).flatMap(OnInvalid.init(rawValue:)) ?? .drop
            operation = .parseJSON(onInvalid: onInvalid)
        }
        for key in ["group", "on_no_match"] where present[0] != "extract" && r.has(key) {
            _ = r.value(key)
            log.add(joinPath(r.path, key), "applies only to extract")
        }
        if present[0] != "parse_json", r.has("on_invalid") {
            _ = r.value("on_invalid")
            log.add(joinPath(r.path, "on_invalid"), "applies only to parse_json")
        }
        guard let field, let operation else { return nil }
        return PostStep(field: field, operation: operation)
    }
}
