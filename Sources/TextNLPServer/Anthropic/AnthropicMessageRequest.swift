import TextNLPInference
import TextNLPPipeline

/// A body of Anthropic's `POST /v1/messages` (and of each request of a message batch), checked: `model`,
/// `max_tokens`, `messages` (user and assistant turns of text), `system`, `stop_sequences`, `temperature`,
/// `top_p`, `top_k`, `stream`; `metadata` and `service_tier` are hints. textnlp also takes `seed`, which
/// the SDK sends with `extra_body`. Anything else (tools, images, thinking) is a 400 that names it.
enum AnthropicMessageRequest {
    static let known: Set<String> = ["model", "max_tokens", "messages", "system", "stop_sequences", "temperature", "top_p", "top_k", "stream", "seed"]
    static let hints: Set<String> = ["metadata", "service_tier"]

    static func parse(_ body: JSONObject, prefix: String = "") throws -> OnlineRequest {
        let r = FieldReader(object: body, prefix: prefix)
        for key in body.pairs.map(\.key) where !known.contains(key) && !hints.contains(key) {
            throw APIError.invalid("\(r.path(key)): Extra inputs are not permitted (this server does not support '\(key)').", param: r.path(key), code: "unsupported_parameter")
        }
        guard let model = try r.string("model", required: true), !model.isEmpty else {
            throw APIError.invalid("\(r.path("model")): Field required.", param: r.path("model"), code: "missing_required_parameter")
        }
        guard let maxTokens = try r.int("max_tokens", in: 1...32768) else {
            throw APIError.invalid("\(r.path("max_tokens")): Field required.", param: r.path("max_tokens"), code: "missing_required_parameter")
        }
        var messages: [ChatMessage] = []
        switch body["system"] {
        case nil, .null?: break
        case let system?: messages.append(ChatMessage(role: "system", content: try text(system, path: r.path("system"))))
        }
        guard case .array(let turns)? = body["messages"], !turns.isEmpty else {
            throw APIError.invalid("\(r.path("messages")): a non-empty array of messages is required.", param: r.path("messages"), code: "missing_required_parameter")
        }
        for (i, turn) in turns.enumerated() {
            let path = r.path("messages.\(i)")
            guard case .object(let m) = turn else { throw APIError.invalid("\(path): a message must be an object.", param: path, code: "invalid_type") }
            let mr = FieldReader(object: m, prefix: path)
            try mr.only(["role", "content"])
            guard let role = try mr.string("role", required: true), role == "user" || role == "assistant" else {
                throw APIError.invalid("\(path).role: must be 'user' or 'assistant'.", param: "\(path).role", code: "invalid_value")
            }
            guard let content = m["content"] else {
                throw APIError.invalid("\(path).content: Field required.", param: "\(path).content", code: "missing_required_parameter")
            }
            messages.append(ChatMessage(role: role, content: try text(content, path: "\(path).content")))
        }
        var request = OnlineRequest(model: model, prompt: .messages(messages), sampling: OnlineRequest.openAISampling)
        request.maxTokens = Int(maxTokens)
        var params = JSONObject()
        for (key, range) in [("temperature", 0.0...1.0), ("top_p", 0.0...1.0)] {
            switch body[key] {
            case nil, .null?: continue
            case let v? where v.doubleValue.map(range.contains) == true: params[key] = v
            default: throw APIError.invalid("\(r.path(key)): must be a number in \(range.lowerBound)...\(range.upperBound).", param: r.path(key), code: "invalid_value")
            }
        }
        if let k = try r.int("top_k", in: 0...100_000) { params["top_k"] = .int(k) }
        if let seed = try r.int("seed", in: 0...Int64.max) { request.seed = UInt64(seed) }
        switch body["stop_sequences"] {
        case nil, .null?: break
        case .array(let items)? where items.count <= 16 && items.allSatisfy({ !($0.stringValue ?? "").isEmpty }):
            request.stop = items.compactMap(\.stringValue)
        default: throw APIError.invalid("\(r.path("stop_sequences")): must be an array of at most 16 non-empty strings.", param: r.path("stop_sequences"), code: "invalid_value")
        }
        switch body["stream"] {
        case nil, .null?: break
        case .bool(let b)?: request.stream = b
        case let v?: throw APIError.invalid("\(r.path("stream")): must be a boolean, not \(v.typeName).", param: r.path("stream"), code: "invalid_type")
        }
        try request.apply(params)
        return request
    }

    /// A string, or text blocks (`[{"type": "text", "text": ...}]`) joined.
    static func text(_ value: JSONValue, path: String) throws -> String {
        switch value {
        case .string(let s): return s
        case .array(let blocks):
            var pieces: [String] = []
            for (j, block) in blocks.enumerated() {
                guard case .object(let b) = block, case .string(let type)? = b["type"] else {
                    throw APIError.invalid("\(path).\(j): a content block must be an object with a 'type'.", param: "\(path).\(j)", code: "invalid_type")
                }
                guard type == "text" else {
                    throw APIError.invalid("\(path).\(j).type: '\(type)' content is not supported by this server (only text).", param: "\(path).\(j).type", code: "unsupported_value")
                }
                guard case .string(let t)? = b["text"] else {
                    throw APIError.invalid("\(path).\(j).text: Field required.", param: "\(path).\(j).text", code: "missing_required_parameter")
                }
                if let extra = b.pairs.map(\.key).first(where: { !["type", "text", "cache_control"].contains($0) }) {
                    throw APIError.invalid("\(path).\(j).\(extra): Extra inputs are not permitted.", param: "\(path).\(j).\(extra)", code: "unsupported_parameter")
                }
                pieces.append(t)
            }
            return pieces.joined()
        default:
            throw APIError.invalid("\(path): must be a string or an array of text blocks, not \(value.typeName).", param: path, code: "invalid_type")
        }
    }
}
