import Hummingbird
import TextNLPMetrics
import TextNLPPipeline

/// `POST /v1/validate`: hypothesis/reference pairs scored with any metric of `textnlp score` (BLEU, chrF,
/// chrF++ and TER as sacrebleu computes them, with its signatures; ROUGE as rouge-score; distinct-n,
/// self-BLEU, length and duplicates), over the corpus and, with `sentence: true`, per pair.
///
///     {"metrics": ["bleu", "rouge"], "pairs": [{"hypothesis": "...", "reference": "..." or ["...", ...]}],
///      "sentence": false, "options": {"tokenize": "13a", "smooth": "exp", "smooth_value": null, "lowercase": false, "stem": false}}
struct ValidateRoute {
    let deps: ServerDependencies
    static let maxPairs = 100_000

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("validate", use: validate)
    }

    @Sendable func validate(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.object(request, limit: deps.limits.uploadBytes)
        let r = FieldReader(object: body)
        try r.only(["metrics", "pairs", "sentence", "options"])
        guard case .array(let names)? = body["metrics"], !names.isEmpty else {
            throw APIError.invalid("Missing required parameter: 'metrics' (a non-empty array of metric names).", param: "metrics", code: "missing_required_parameter")
        }
        let known = Scorer.Metric.allCases.map(\.rawValue).joined(separator: ", ")
        let metrics = try names.enumerated().map { i, name -> Scorer.Metric in
            guard let s = name.stringValue, let m = Scorer.Metric(rawValue: s) else {
                throw APIError.invalid("Invalid 'metrics[\(i)]': must be one of \(known).", param: "metrics[\(i)]", code: "invalid_value")
            }
            return m
        }
        let scorer = try Self.scorer(body)
        guard case .array(let pairs)? = body["pairs"], !pairs.isEmpty else {
            throw APIError.invalid("Missing required parameter: 'pairs' (a non-empty array).", param: "pairs", code: "missing_required_parameter")
        }
        guard pairs.count <= Self.maxPairs else { throw APIError.invalid("At most \(Self.maxPairs) pairs per request.", param: "pairs", code: "invalid_value") }
        let needsReferences = metrics.contains(where: \.needsReferences)
        var hypotheses: [String] = []
        var references: [[String]] = []
        for (i, pair) in pairs.enumerated() {
            guard case .object(let p) = pair else {
                throw APIError.invalid("Invalid type for 'pairs[\(i)]': expected an object, but got \(pair.typeName).", param: "pairs[\(i)]", code: "invalid_type")
            }
            let pr = FieldReader(object: p, prefix: "pairs[\(i)]")
            try pr.only(["hypothesis", "reference"])
            hypotheses.append(try pr.string("hypothesis", required: true) ?? "")
            switch p["reference"] {
            case .string(let s)?: references.append([s])
            case .array(let items)? where !items.isEmpty && items.allSatisfy({ $0.stringValue != nil }): references.append(items.compactMap(\.stringValue))
            case nil, .null?:
                guard !needsReferences else {
                    throw APIError.invalid("Missing 'pairs[\(i)].reference': \(metrics.filter(\.needsReferences).map(\.rawValue).joined(separator: ", ")) need references.",
                                           param: "pairs[\(i)].reference", code: "missing_required_parameter")
                }
                references.append([])
            default:
                throw APIError.invalid("Invalid 'pairs[\(i)].reference': a string or a non-empty array of strings.", param: "pairs[\(i)].reference", code: "invalid_type")
            }
        }
        let depth = references.map(\.count).max() ?? 0
        let streams: [[String?]] = (0..<depth).map { k in references.map { k < $0.count ? $0[k] : nil } }
        let results: [JSONValue] = metrics.map { metric in
            let score = scorer.score(metric, hypotheses: hypotheses, references: streams)
            var o = JSONObject([("metric", .string(metric.rawValue)), ("corpus", Self.json(.object(score.corpus)))])
            if scorer.sentence { o["segments"] = .array(score.segments.map { Self.json(.object($0.fields)) }) }
            return .object(o)
        }
        return JSONBody.response(.object(JSONObject([
            ("object", .string("validation")), ("count", .int(Int64(hypotheses.count))), ("results", .array(results)),
        ])))
    }

    static func scorer(_ body: JSONObject) throws -> Scorer {
        var scorer = Scorer()
        switch body["sentence"] {
        case nil, .null?: break
        case .bool(let b)?: scorer.sentence = b
        case let v?: throw APIError.invalid("Invalid type for 'sentence': expected a boolean, but got \(v.typeName).", param: "sentence", code: "invalid_type")
        }
        guard let options = try FieldReader(object: body).object("options") else { return scorer }
        let r = FieldReader(object: options, prefix: "options")
        try r.only(["tokenize", "smooth", "smooth_value", "lowercase", "stem"])
        if let t = try r.string("tokenize") {
            guard let tokenizer = BLEUTokenizer(rawValue: t) else {
                throw APIError.invalid("Invalid 'options.tokenize': must be one of 13a, intl, char, none, zh.", param: "options.tokenize", code: "invalid_value")
            }
            scorer.tokenizer = tokenizer
        }
        if let s = try r.string("smooth") {
            guard let smoothing = BLEU.Smoothing(rawValue: s) else {
                throw APIError.invalid("Invalid 'options.smooth': must be one of exp, floor, add-k, none.", param: "options.smooth", code: "invalid_value")
            }
            scorer.smoothing = smoothing
        }
        switch options["smooth_value"] {
        case nil, .null?: break
        case let v? where v.doubleValue.map { $0 >= 0 && $0.isFinite } == true: scorer.smoothValue = v.doubleValue
        default: throw APIError.invalid("Invalid 'options.smooth_value': a non-negative number.", param: "options.smooth_value", code: "invalid_value")
        }
        for (key, set) in [("lowercase", { (s: inout Scorer, b: Bool) in s.lowercase = b }), ("stem", { (s: inout Scorer, b: Bool) in s.stem = b })] {
            switch options[key] {
            case nil, .null?: continue
            case .bool(let b)?: set(&scorer, b)
            case let v?: throw APIError.invalid("Invalid type for 'options.\(key)': expected a boolean, but got \(v.typeName).", param: "options.\(key)", code: "invalid_type")
            }
        }
        return scorer
    }

    static func json(_ value: ScoreValue) -> JSONValue {
        switch value {
        // JSON has no NaN or infinity (a metric over nothing): null.
        case .number(let x): x.isFinite ? .double(x) : .null
        case .int(let n): .int(Int64(n))
        case .string(let s): .string(s)
        case .bool(let b): .bool(b)
        case .list(let items): .array(items.map(json))
        case .object(let pairs): .object(JSONObject(pairs.map { ($0.0, json($0.1)) }))
        }
    }
}
