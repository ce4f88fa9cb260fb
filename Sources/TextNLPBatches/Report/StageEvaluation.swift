import TextNLPPipeline

/// One validate stage's results over the whole batch: corpus values, distributions, gate outcomes.
struct StageEvaluation {
    var index: Int
    var spec: ValidateSpec
    var samples: [MetricSample]
    var corpus: [Metric: Double]

    struct GateResult {
        var stage: Int
        var label: String
        var metric: String
        var scope: String
        var onFail: String
        var passed: Bool
        /// The corpus value (corpus gates).
        var value: Double?
        /// Rows that did not pass (row gates).
        var failures: Int

        var json: JSONValue {
            var o = JSONObject([
                ("stage", .int(Int64(stage))), ("gate", .string(label)), ("metric", .string(metric)),
                ("scope", .string(scope)), ("on_fail", .string(onFail)), ("passed", .bool(passed)),
            ])
            if let value { o["value"] = .double(value) }
            if scope == "row" { o["failures"] = .int(Int64(failures)) }
            return .object(o)
        }
    }

    var gateResults: [GateResult] {
        spec.gates.map { gate in
            switch gate.scope {
            case .row:
                let failures = samples.filter { s in s.values[gate.metric].map { !gate.passes($0) } ?? false }.count
                return GateResult(stage: index, label: gate.label, metric: gate.metric.rawValue, scope: "row",
                                  onFail: gate.onFail.rawValue, passed: failures == 0, value: nil, failures: failures)
            case .corpus:
                let value = corpus[gate.metric] ?? 0
                return GateResult(stage: index, label: gate.label, metric: gate.metric.rawValue, scope: "corpus",
                                  onFail: gate.onFail.rawValue, passed: gate.passes(value), value: value, failures: 0)
            }
        }
    }

    var corpusJSON: JSONValue {
        var o = JSONObject()
        for metric in spec.metrics { if let v = corpus[metric] { o[metric.rawValue] = .double(v) } }
        return .object(o)
    }

    var distributionsJSON: JSONValue {
        var o = JSONObject()
        for metric in spec.metrics where metric.isRowMetric {
            let values = samples.compactMap { $0.values[metric] }
            o[metric.rawValue] = Histogram(values, bins: 20).json
        }
        return .object(o)
    }
}

/// Equal-width bins over the values' range.
struct Histogram {
    var lower: Double
    var upper: Double
    var counts: [Int]

    init(_ values: [Double], bins: Int) {
        lower = values.min() ?? 0
        upper = values.max() ?? 0
        if upper <= lower { upper = lower + 1 }
        counts = [Int](repeating: 0, count: bins)
        for v in values {
            let i = min(bins - 1, max(0, Int((v - lower) / (upper - lower) * Double(bins))))
            counts[i] += 1
        }
    }

    var json: JSONValue {
        .object(JSONObject([
            ("min", .double(lower)), ("max", .double(upper)), ("counts", .array(counts.map { .int(Int64($0)) })),
        ]))
    }
}
