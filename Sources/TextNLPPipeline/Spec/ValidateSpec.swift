/// `validate`: metrics on each row and on the corpus, and gates on them.
public struct ValidateSpec: Sendable {
    public var hypothesis: String
    public var reference: String?
    public var metrics: [Metric]
    public var field = "metrics"
    public var gates: [Gate] = []

    static func decode(_ r: inout ObjectReader, log: inout IssueLog) -> ValidateSpec? {
        let hypothesis = r.string("hypothesis", required: true, log: &log)
        let reference = r.string("reference", log: &log)
        var metrics: [Metric] = []
        for (i, name) in (r.strings("metrics", log: &log) ?? []).enumerated() {
            let path = "\(joinPath(r.path, "metrics"))[\(i)]"
            guard let metric = Metric(rawValue: name) else {
                log.add(path, "unknown metric \"\(name)\" (known: \(Metric.allCases.map(\.rawValue).joined(separator: ", ")))")
                continue
            }
            if metric.needsReference, reference == nil { log.add(path, "\(name) needs a \"reference\" field") }
            if metrics.contains(metric) { log.add(path, "\(name) is listed twice") }
            metrics.append(metric)
        }
        var spec = ValidateSpec(hypothesis: hypothesis ?? "", reference: reference, metrics: metrics)
        spec.field = r.string("as", log: &log) ?? spec.field
        if case .array(let gates)? = r.value("gates") {
            for (i, g) in gates.enumerated() {
                let path = "\(joinPath(r.path, "gates"))[\(i)]"
                guard var gr = ObjectReader(g, path: path, log: &log) else { continue }
                if let gate = Gate.decode(&gr, metrics: metrics, log: &log) { spec.gates.append(gate) }
                gr.finish(log: &log)
            }
        } else if let v = r.object["gates"] {
            log.add(joinPath(r.path, "gates"), "must be an array, not \(v.typeName)")
        }
        if metrics.isEmpty, !r.has("metrics") { log.add(joinPath(r.path, "metrics"), "is required") }
        return hypothesis == nil ? nil : spec
    }
}

/// The metrics a validate stage can compute. Row metrics score each row; the corpus value of a row metric is
/// the corpus score (BLEU, chrF, TER) or the mean (ROUGE, lengths). Dataset metrics exist only for the corpus.
public enum Metric: String, Sendable, CaseIterable {
    case bleu, chrf, chrfpp = "chrf++", ter, rouge1, rouge2, rougeL, rougeLsum, words, chars
    case distinct1 = "distinct-1", distinct2 = "distinct-2", distinct3 = "distinct-3"
    case selfBLEU = "self-bleu", duplicates

    public var needsReference: Bool {
        switch self {
        case .bleu, .chrf, .chrfpp, .ter, .rouge1, .rouge2, .rougeL, .rougeLsum: true
        default: false
        }
    }

    public var isRowMetric: Bool {
        switch self {
        case .distinct1, .distinct2, .distinct3, .selfBLEU, .duplicates: false
        default: true
        }
    }
}

public struct Gate: Sendable {
    public enum Scope: String, Sendable, CaseIterable { case row, corpus }
    public enum OnFail: String, Sendable, CaseIterable { case drop, flag, fail }

    public var metric: Metric
    public var min: Double?
    public var max: Double?
    public var scope: Scope
    public var onFail: OnFail

    public var label: String {
        [min.map { "\(metric.rawValue) >= \(JSONWriter.number($0))" }, max.map { "\(metric.rawValue) <= \(JSONWriter.number($0))" }]
            .compactMap { $0 }.joined(separator: " and ")
    }

    public func passes(_ value: Double) -> Bool {
        if let min, value < min { return false }
        if let max, value > max { return false }
        return true
    }

    static func decode(_ r: inout ObjectReader, metrics: [Metric], log: inout IssueLog) -> Gate? {
        let name = r.string("metric", required: true, log: &log)
        let metric = name.flatMap(Metric.init(rawValue:))
        if let name, metric == nil { log.add(joinPath(r.path, "metric"), "unknown metric \"\(name)\"") }
        if let metric, !metrics.contains(metric) { log.add(joinPath(r.path, "metric"), "\(metric.rawValue) is not in this stage's metrics") }
        let min = r.double("min", in: -1e12...1e12, log: &log)
        let max = r.double("max", in: -1e12...1e12, log: &log)
        if min == nil, max == nil, !r.has("min"), !r.has("max") { log.add(r.path, "needs \"min\" or \"max\"") }
        if let min, let max, min > max { log.add(r.path, "min is greater than max") }
        let defaultScope: Scope = metric?.isRowMetric ?? true ? .row : .corpus
        let scope = r.choice("scope", Scope.allCases.map(\.rawValue), log: &log).flatMap(Scope.init(rawValue:)) ?? defaultScope
        let onFail = r.choice("on_fail", OnFail.allCases.map(\.rawValue), log: &log).flatMap(OnFail.init(rawValue:)) ?? .flag
        if let metric, scope == .row, !metric.isRowMetric { log.add(joinPath(r.path, "scope"), "\(metric.rawValue) exists only for the corpus") }
        if scope == .corpus, onFail == .drop { log.add(joinPath(r.path, "on_fail"), "a corpus gate can flag or fail, not drop") }
        guard let metric else { return nil }
        return Gate(metric: metric, min: min, max: max, scope: scope, onFail: onFail)
    }
}
