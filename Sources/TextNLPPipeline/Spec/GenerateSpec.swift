import TextNLPInference

/// `generate`: one completion (or `n`) per row through the generator. The sampling keys and their
/// defaults are those of `SamplingField` and `SamplingParameters()`; the seed derives per row.
public struct GenerateSpec: Sendable {
    public var input = "prompt"
    public var field = "completion"
    public var maxTokens = 128
    public var sampling = SamplingParameters()
    public var stop: [String] = []
    public var n = 1
    /// A row field holding per-row overrides (`max_tokens`, the sampling keys, `seed`, `stop`): what an
    /// OpenAI batch line's body asks for. A row's `seed` is used as it is, not derived.
    public var parameters: String?

    static func decode(_ r: inout ObjectReader, log: inout IssueLog) -> GenerateSpec? {
        var s = GenerateSpec()
        s.input = r.string("input", log: &log) ?? s.input
        s.field = r.string("as", log: &log) ?? s.field
        s.maxTokens = r.int("max_tokens", in: 1...32768, log: &log) ?? s.maxTokens
        for field in SamplingField.allCases {
            let range = field.range
            let value: Double? = field.isInteger
                ? r.int(field.name, in: Int(range.lowerBound)...Int(range.upperBound), log: &log).map(Double.init)
                : r.double(field.name, in: range, log: &log)
            guard let value else { continue }
            if let problem = field.problem(with: value) {
                log.add(joinPath(r.path, field.name), problem)
            } else {
                field.set(value, in: &s.sampling)
            }
        }
        s.stop = r.strings("stop", single: true, log: &log) ?? []
        if s.stop.count > 16 { log.add(joinPath(r.path, "stop"), "may hold at most 16 strings") }
        if s.stop.contains("") { log.add(joinPath(r.path, "stop"), "must not contain an empty string") }
        s.n = r.int("n", in: 1...64, log: &log) ?? s.n
        s.parameters = r.string("parameters", log: &log)
        return s
    }
}
