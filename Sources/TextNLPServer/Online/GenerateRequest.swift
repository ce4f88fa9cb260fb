import TextNLPInference
import TextNLPPipeline

/// A body of textnlp's `POST /v1/generate` (and of each message on the `/v1/stream` WebSocket): `model`,
/// `prompt` or `messages`, `max_tokens`, the sampling parameters by their pipeline names (`temperature`,
/// `top_k`, `top_p`, `min_p`, `repeat_penalty`, `presence_penalty`, `frequency_penalty`, `penalty_last_n`),
/// `seed`, `stop`, `n`, `logprobs`, `top_logprobs` and `stream`. The defaults are `textnlp generate`'s.
enum GenerateRequest {
    static let known: Set<String> = Set(["model", "prompt", "messages", "max_tokens", "seed", "stop", "n", "logprobs", "top_logprobs", "stream"]
                                        + SamplingField.allCases.map(\.name))
    static let defaultMaxTokens = 128

    static func parse(_ body: JSONObject) throws -> OnlineRequest {
        let r = FieldReader(object: body)
        try r.only(known)
        guard let model = try r.string("model", required: true), !model.isEmpty else {
            throw APIError.invalid("'model' must be a non-empty string.", param: "model", code: "missing_required_parameter")
        }
        let prompt: Prompt
        switch (body["prompt"], body["messages"]) {
        case (.string(let text)?, nil), (.string(let text)?, .null?):
            guard !text.isEmpty else { throw APIError.invalid("'prompt' must not be empty.", param: "prompt", code: "invalid_value") }
            guard !text.utf8.contains(0) else { throw APIError.invalid("'prompt' contains a NUL character.", param: "prompt", code: "invalid_value") }
            prompt = .text(text)
        case (nil, .array(let items)?), (.null?, .array(let items)?):
            guard !items.isEmpty else { throw APIError.invalid("'messages' must not be empty.", param: "messages", code: "invalid_value") }
            var messages: [ChatMessage] = []
            for (i, item) in items.enumerated() {
                switch BatchInputLine.message(item) {
                case .success(let m):
                    messages.append(ChatMessage(role: m.objectValue?["role"]?.stringValue ?? "user", content: m.objectValue?["content"]?.stringValue ?? ""))
                case .failure(let invalid): throw APIError.invalid(invalid.reason, param: "messages[\(i)]", code: "invalid_value")
                }
            }
            prompt = .messages(messages)
        case (nil, nil), (.null?, .null?), (nil, .null?), (.null?, nil):
            throw APIError.invalid("Give 'prompt' (a string) or 'messages' (an array).", param: "prompt", code: "missing_required_parameter")
        case (.some, .some):
            throw APIError.invalid("Give 'prompt' or 'messages', not both.", param: "messages", code: "invalid_value")
        case (.some, _):
            throw APIError.invalid("'prompt' must be a string.", param: "prompt", code: "invalid_type")
        case (_, .some):
            throw APIError.invalid("'messages' must be an array.", param: "messages", code: "invalid_type")
        }
        var request = OnlineRequest(model: model, prompt: prompt, sampling: SamplingParameters())
        request.maxTokens = Int(try r.int("max_tokens", in: 1...32768) ?? Int64(defaultMaxTokens))
        if let seed = try r.int("seed", in: 0...Int64.max) { request.seed = UInt64(seed) }
        if let n = try r.int("n", in: 1...16) { request.n = Int(n) }
        switch body["logprobs"] {
        case nil, .null?: break
        case .bool(let b)?: request.logprobs = b
        case let v?: throw APIError.invalid("Invalid type for 'logprobs': expected a boolean, but got \(v.typeName).", param: "logprobs", code: "invalid_type")
        }
        if let k = try r.int("top_logprobs", in: 0...20) {
            request.topLogprobs = Int(k)
            if k > 0 { request.logprobs = true }
        }
        switch body["stream"] {
        case nil, .null?: break
        case .bool(let b)?: request.stream = b
        case let v?: throw APIError.invalid("Invalid type for 'stream': expected a boolean, but got \(v.typeName).", param: "stream", code: "invalid_type")
        }
        switch body["stop"] {
        case nil, .null?: break
        case .string(let s)? where !s.isEmpty: request.stop = [s]
        case .array(let items)? where items.count <= 16 && items.allSatisfy({ !($0.stringValue ?? "").isEmpty }): request.stop = items.compactMap(\.stringValue)
        default: throw APIError.invalid("'stop' must be a string or an array of at most 16 non-empty strings.", param: "stop", code: "invalid_value")
        }
        var sampling = JSONObject()
        for field in SamplingField.allCases { if let v = body[field.name], v != .null { sampling[field.name] = v } }
        try request.apply(sampling)
        return request
    }
}
