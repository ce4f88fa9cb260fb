import TextNLPMetrics

/// Scores each row, writes the scores onto it, applies the row gates, and keeps what the corpus metrics
/// need (hypothesis and references) for the finalize step.
public struct ValidateStage: RowStage {
    public let spec: ValidateSpec
    let index: Int

    public init(_ spec: ValidateSpec, index: Int) {
        self.spec = spec
        self.index = index
    }

    public enum Outcome: Sendable {
        case row(Row, sample: MetricSample)
        case drop(RowError, sample: MetricSample)
        case fail(RowError)
    }

    public func apply(_ row: Row) -> Outcome {
        var row = row
        guard let hypothesisValue = row.value(spec.hypothesis) else {
            return .fail(RowError(id: row.id, stage: "validate", reason: "missing hypothesis field \"\(spec.hypothesis)\"", row: row.record))
        }
        let hypothesis = hypothesisValue.text
        var references: [String] = []
        if let field = spec.reference {
            switch row.value(field) {
            case .string(let s)?: references = [s]
            case .array(let items)?: references = items.map(\.text)
            case let other?: references = [other.text]
            case nil:
                return .fail(RowError(id: row.id, stage: "validate", reason: "missing reference field \"\(field)\"", row: row.record))
            }
        }
        let values = RowMetrics.compute(spec.metrics.filter(\.isRowMetric), hypothesis: hypothesis, references: references)
        var scores = JSONObject()
        for metric in spec.metrics where metric.isRowMetric {
            if let v = values[metric] { scores[metric.rawValue] = .double(v) }
        }
        if row.output != nil { row.output?[spec.field] = .object(scores) } else { row.fields[spec.field] = .object(scores) }
        let sample = MetricSample(stage: index, id: row.id, hypothesis: hypothesis, references: references, values: values)
        var flags: [String] = []
        for gate in spec.gates where gate.scope == .row {
            guard let value = values[gate.metric], !gate.passes(value) else { continue }
            let reason = "gate \(gate.label) failed (\(JSONWriter.number(value)))"
            switch gate.onFail {
            case .flag: flags.append(gate.label)
            case .drop: return .drop(RowError(id: row.id, stage: "validate", reason: reason, row: row.record), sample: sample)
            case .fail: return .fail(RowError(id: row.id, stage: "validate", reason: reason, row: row.record))
            }
        }
        if !flags.isEmpty {
            row.flags += flags
            let all = JSONValue.array(row.flags.map(JSONValue.string))
            if row.output != nil { row.output?["flags"] = all } else { row.fields["flags"] = all }
        }
        return .row(row, sample: sample)
    }

    public func process(_ rows: [Row]) async throws -> StageOutput {
        var out = StageOutput(rows: [])
        for row in rows {
            switch apply(row) {
            case .row(let r, let sample):
                out.rows.append(r)
                out.stats.samples.append(sample)
            case .drop(let e, let sample):
                out.errors.append(e)
                out.stats.samples.append(sample)
            case .fail(let e):
                throw PipelineError.rowFailed(id: e.id ?? "?", stage: "validate", reason: e.reason)
            }
        }
        return out
    }
}

/// What one row contributes to the corpus metrics of one validate stage.
public struct MetricSample: Sendable, Equatable {
    public var stage: Int
    public var id: String
    public var hypothesis: String
    public var references: [String]
    public var values: [Metric: Double]

    public var json: JSONValue {
        var v = JSONObject()
        for (k, x) in values.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { v[k.rawValue] = .double(x) }
        return .object(JSONObject([
            ("stage", .int(Int64(stage))), ("id", .string(id)), ("hypothesis", .string(hypothesis)),
            ("references", .array(references.map(JSONValue.string))), ("values", .object(v)),
        ]))
    }

    public init(stage: Int, id: String, hypothesis: String, references: [String], values: [Metric: Double]) {
        self.stage = stage
        self.id = id
        self.hypothesis = hypothesis
        self.references = references
        self.values = values
    }

    public init?(json: JSONValue) {
        guard let o = json.objectValue, case .int(let stage)? = o["stage"], case .string(let id)? = o["id"],
              case .string(let h)? = o["hypothesis"], let refs = o["references"]?.arrayValue, let vals = o["values"]?.objectValue
        else { return nil }
        var values: [Metric: Double] = [:]
        for (k, x) in vals.pairs { if let m = Metric(rawValue: k), let d = x.doubleValue { values[m] = d } }
        self.init(stage: Int(stage), id: id, hypothesis: h, references: refs.map(\.text), values: values)
    }
}

/// Sentence-level scores, on the scales of the reference packages (BLEU, chrF and TER 0–100, ROUGE 0–1).
enum RowMetrics {
    static func compute(_ metrics: [Metric], hypothesis: String, references: [String]) -> [Metric: Double] {
        var out: [Metric: Double] = [:]
        let rougeKinds = metrics.compactMap { m -> Rouge.Kind? in
            switch m {
            case .rouge1: .rouge1
            case .rouge2: .rouge2
            case .rougeL: .rougeL
            case .rougeLsum: .rougeLsum
            default: nil
            }
        }
        if !rougeKinds.isEmpty {
            let scores = Rouge(kinds: rougeKinds, useStemmer: true).score(targets: references, prediction: hypothesis)
            for (kind, score) in scores { if let m = Metric(rawValue: kind.rawValue) { out[m] = score.fmeasure } }
        }
        for metric in metrics {
            switch metric {
            case .bleu: out[.bleu] = BLEU(effectiveOrder: true).sentenceScore(hypothesis: hypothesis, references: references).score
            case .chrf: out[.chrf] = CHRF().sentenceScore(hypothesis: hypothesis, references: references)
            case .chrfpp: out[.chrfpp] = CHRF(wordOrder: 2).sentenceScore(hypothesis: hypothesis, references: references)
            case .ter: out[.ter] = TER().sentenceScore(hypothesis: hypothesis, references: references)
            case .words: out[.words] = Double(hypothesis.split(whereSeparator: \.isWhitespace).count)
            case .chars: out[.chars] = Double(hypothesis.count)
            default: break
            }
        }
        return out
    }
}
