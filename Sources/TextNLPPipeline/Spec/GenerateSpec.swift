/// `generate`: one completion (or `n`) per row through the engine.
public struct GenerateSpec: Sendable {
    public var input = "prompt"
    public var field = "completion"
    public var maxTokens = 128
    public var temperature = 0.7
    public var topK = 40
    public var topP = 0.95
    public var minP = 0.05
    public var repeatPenalty = 1.0
    public var frequencyPenalty = 0.0
    public var presencePenalty = 0.0
    public var penaltyLastN = 64
    public var stop: [String] = []
    public var n = 1

    static func decode(_ r: inout ObjectReader, log: inout IssueLog) -> GenerateSpec? {
        var s = GenerateSpec()
        s.input = r.string("input", log: &log) ?? s.input
        s.field = r.string("as", log: &log) ?? s.field
        s.maxTokens = r.int("max_tokens", in: 1...32768, log: &log) ?? s.maxTokens
        s.temperature = r.double("temperature", in: 0...2, log: &log) ?? s.temperature
        s.topK = r.int("top_k", in: 0...100_000, log: &log) ?? s.topK
        s.topP = r.double("top_p", in: 0...1, log: &log) ?? s.topP
        s.minP = r.double("min_p", in: 0...1, log: &log) ?? s.minP
        s.repeatPenalty = r.double("repeat_penalty", in: 0.1...10, log: &log) ?? s.repeatPenalty
        s.frequencyPenalty = r.double("frequency_penalty", in: -2...2, log: &log) ?? s.frequencyPenalty
        s.presencePenalty = r.double("presence_penalty", in: -2...2, log: &log) ?? s.presencePenalty
        s.penaltyLastN = r.int("penalty_last_n", in: 0...32768, log: &log) ?? s.penaltyLastN
        s.stop = r.strings("stop", single: true, log: &log) ?? []
        if s.stop.count > 16 { log.add(joinPath(r.path, "stop"), "may hold at most 16 strings") }
        if s.stop.contains("") { log.add(joinPath(r.path, "stop"), "must not contain an empty string") }
        s.n = r.int("n", in: 1...64, log: &log) ?? s.n
        if s.topP == 0 { log.add(joinPath(r.path, "top_p"), "must be greater than 0") }
        return s
    }
}
