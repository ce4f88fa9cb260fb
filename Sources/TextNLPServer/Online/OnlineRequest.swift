import TextNLPInference
import TextNLPPipeline

/// One online generation, whichever API asked for it (OpenAI's chat or completions, Anthropic's messages,
/// textnlp's /v1/generate): the model, the prompt or conversation, and how to sample and stop.
struct OnlineRequest: Sendable {
    var model: String
    var prompt: Prompt
    var sampling: SamplingParameters
    /// nil: up to the end of the context.
    var maxTokens: Int?
    var stop: [String] = []
    var n = 1
    /// nil: a fresh one. Sample k of a seeded request takes seed + k, as batch rows do.
    var seed: UInt64?
    var logprobs = false
    var topLogprobs = 0
    var stream = false
    var includeUsage = false

    /// OpenAI's defaults, not llama.cpp's: plain sampling at temperature 1 unless the request says otherwise.
    static var openAISampling: SamplingParameters {
        var p = SamplingParameters()
        p.temperature = 1
        p.topP = 1
        p.topK = 0
        p.minP = 0
        return p
    }

    /// A body of `POST /v1/chat/completions` (chat) or `POST /v1/completions`, checked as a batch line's body is,
    /// with streaming and alternatives allowed.
    static func openAI(_ body: JSONObject, chat: Bool) throws -> OnlineRequest {
        let (model, row): (String, JSONObject)
        switch BatchInputLine.parseBody(body, chat: chat, online: true) {
        case .failure(let p): throw APIError.invalid(p.message, param: p.param, code: p.code)
        case .success(let parsed): (model, row) = parsed
        }
        let prompt: Prompt
        if chat {
            prompt = .messages((row["messages"]?.arrayValue ?? []).compactMap(\.objectValue).map {
                ChatMessage(role: $0["role"]?.stringValue ?? "user", content: $0["content"]?.stringValue ?? "")
            })
        } else {
            let text = row["prompt"]?.stringValue ?? ""
            guard !text.isEmpty else { throw APIError.invalid("'prompt' must not be empty.", param: "prompt", code: "invalid_value") }
            prompt = .text(text)
        }
        var r = OnlineRequest(model: model, prompt: prompt, sampling: openAISampling)
        try r.apply(row["params"]?.objectValue ?? JSONObject(), names: Dictionary(uniqueKeysWithValues: BatchInputLine.sampling.map { ($0.ours, $0.api) }))
        r.stream = body["stream"]?.boolValue ?? false
        r.includeUsage = body["stream_options"]?.objectValue?["include_usage"]?.boolValue ?? false
        return r
    }

    /// Takes checked parameters in the generate stage's names (`max_tokens`, `seed`, `stop`, `n`, `logprobs`,
    /// `top_logprobs` and the sampling fields); `names` gives the API's name of a field for errors.
    mutating func apply(_ params: JSONObject, names: [String: String] = [:]) throws {
        for (key, value) in params.pairs {
            switch (key, value) {
            case ("max_tokens", .int(let v)): maxTokens = Int(v)
            case ("seed", .int(let v)): seed = UInt64(v)
            case ("n", .int(let v)): n = Int(v)
            case ("logprobs", .bool(let v)): logprobs = v
            case ("top_logprobs", .int(let v)): topLogprobs = Int(v)
            case ("stop", .array(let items)): stop = items.compactMap(\.stringValue)
            default:
                let name = names[key] ?? key
                guard let field = SamplingField(rawValue: key), let v = value.doubleValue else {
                    throw APIError.invalid("Invalid '\(name)'.", param: name, code: "invalid_value")
                }
                guard !field.isInteger || v == v.rounded() else {
                    throw APIError.invalid("Invalid '\(name)': it must be an integer.", param: name, code: "invalid_type")
                }
                if let problem = field.problem(with: v) {
                    throw APIError.invalid("Invalid '\(name)': \(problem).", param: name, code: "invalid_value")
                }
                field.set(v, in: &sampling)
            }
        }
    }
}
