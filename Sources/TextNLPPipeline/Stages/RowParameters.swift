import TextNLPInference

/// A row's own generation parameters (`generate.parameters`): the stage's, overridden by the keys of an
/// object in the row. Unknown keys and values out of range fail the row with the key named.
struct RowParameters {
    var sampling: SamplingParameters
    var maxTokens: Int
    var stop: [String]
    /// Set when the row gave its seed: then it is used as it is.
    var seed: UInt64?
    /// Samples of the row (the stage's `n` unless the row gives its own).
    var n: Int
    /// Whether each token's log-probability goes into the row (`<as>_logprobs`).
    var logprobs = false

    static let keys: Set<String> = Set(SamplingField.allCases.map(\.name) + ["max_tokens", "seed", "stop", "n", "logprobs"])

    static func read(_ value: JSONValue?, field: String, defaults spec: GenerateSpec) -> Result<RowParameters, RowProblem> {
        var p = RowParameters(sampling: spec.sampling, maxTokens: spec.maxTokens, stop: spec.stop, seed: nil, n: spec.n)
        guard let value else { return .success(p) }
        guard case .object(let object) = value else {
            return .failure(RowProblem("field \"\(field)\" must be an object of generation parameters, not \(value.typeName)"))
        }
        for (key, v) in object.pairs {
            let path = "\(field).\(key)"
            if case .null = v { continue }
            switch key {
            case "max_tokens":
                guard case .int(let n) = v, (1...32768).contains(n) else { return .failure(RowProblem("\(path): must be an integer in 1...32768")) }
                p.maxTokens = Int(n)
            case "n":
                guard case .int(let n) = v, (1...64).contains(n) else { return .failure(RowProblem("\(path): must be an integer in 1...64")) }
                p.n = Int(n)
            case "logprobs":
                guard case .bool(let b) = v else { return .failure(RowProblem("\(path): must be true or false")) }
                p.logprobs = b
            case "seed":
                guard case .int(let n) = v, n >= 0 else { return .failure(RowProblem("\(path): must be a non-negative integer")) }
                p.seed = UInt64(n)
            case "stop":
                switch v {
                case .string(let s): p.stop = [s]
                case .array(let items):
                    let strings = items.compactMap(\.stringValue)
                    guard strings.count == items.count, strings.count <= 16, !strings.contains("") else {
                        return .failure(RowProblem("\(path): must be a string or at most 16 non-empty strings"))
                    }
                    p.stop = strings
                default: return .failure(RowProblem("\(path): must be a string or an array of strings"))
                }
            default:
                guard let sampling = SamplingField(rawValue: key) else {
                    return .failure(RowProblem("\(path): unknown parameter (known: \(keys.sorted().joined(separator: ", ")))"))
                }
                guard let d = v.doubleValue, !sampling.isInteger || d == d.rounded() else {
                    return .failure(RowProblem("\(path): must be \(sampling.isInteger ? "an integer" : "a number")"))
                }
                if let problem = sampling.problem(with: d) { return .failure(RowProblem("\(path): \(problem)")) }
                sampling.set(d, in: &p.sampling)
            }
        }
        return .success(p)
    }
}
