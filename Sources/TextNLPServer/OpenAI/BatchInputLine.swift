import TextNLPPipeline

/// One line of an OpenAI batch input file, checked: `{"custom_id", "method": "POST", "url", "body"}` with a
/// chat or completion request in `body`. A line that fails says why, with the JSON path of the field.
struct BatchInputLine {
    var customID: String
    var model: String
    /// The textnlp row: `custom_id`, `messages` or `prompt`, and `params` (the generate stage's per-row keys).
    var row: JSONObject

    struct Problem: Error {
        var code: String
        var message: String
        var param: String?
    }

    static let lineKeys: Set<String> = ["custom_id", "method", "url", "body"]
    /// Body fields that change nothing here and that OpenAI documents as optional hints.
    static let hints: Set<String> = ["user", "metadata", "store", "service_tier", "parallel_tool_calls", "stream_options"]
    static let sampling: [(api: String, ours: String)] = [
        ("temperature", "temperature"), ("top_p", "top_p"), ("presence_penalty", "presence_penalty"),
        ("frequency_penalty", "frequency_penalty"), ("top_k", "top_k"), ("min_p", "min_p"), ("repetition_penalty", "repeat_penalty"),
    ]
    static let common: Set<String> = Set(["model", "max_tokens", "seed", "stop", "n", "logprobs", "top_logprobs", "stream"] + sampling.map(\.api))

    static func parse(_ bytes: ArraySlice<UInt8>, endpoint: String) -> Result<BatchInputLine, Problem> {
        func problem(_ code: String, _ message: String, _ param: String? = nil) -> Result<BatchInputLine, Problem> {
            .failure(Problem(code: code, message: message, param: param))
        }
        guard String(validating: bytes, as: UTF8.self) != nil else { return problem("invalid_encoding", "The line is not valid UTF-8.") }
        let value: JSONValue
        do { value = try JSONParser.parse(Array(bytes)) } catch { return problem("invalid_json_line", "The line is not valid JSON: \(error).") }
        guard case .object(let line) = value else { return problem("invalid_json_line", "The line must be a JSON object, not \(value.typeName).") }
        if let unknown = line.pairs.map(\.key).first(where: { !lineKeys.contains($0) }) {
            return problem("invalid_request", "Unknown field '\(unknown)'; a line has custom_id, method, url and body.", unknown)
        }
        guard case .string(let customID)? = line["custom_id"], !customID.isEmpty else {
            return problem("missing_required_parameter", "'custom_id' must be a non-empty string.", "custom_id")
        }
        guard case .string(let method)? = line["method"], method == "POST" else {
            return problem("invalid_method", "'method' must be \"POST\".", "method")
        }
        guard case .string(let url)? = line["url"] else { return problem("missing_required_parameter", "'url' must be a string.", "url") }
        guard url == endpoint else {
            return problem("mismatched_endpoint", "The url '\(url)' does not match the batch's endpoint '\(endpoint)'.", "url")
        }
        guard case .object(let body)? = line["body"] else { return problem("missing_required_parameter", "'body' must be an object.", "body") }
        switch parseBody(body, chat: endpoint == "/v1/chat/completions") {
        case .success(let (model, fields)):
            var row = JSONObject([("custom_id", .string(customID))])
            for (k, v) in fields.pairs { row[k] = v }
            return .success(BatchInputLine(customID: customID, model: model, row: row))
        case .failure(let p): return .failure(p)
        }
    }

    /// The body's model and the row fields it gives: the prompt or messages, and the parameters.
    /// Online (`POST /v1/chat/completions` itself, not a batch line), streaming and alternatives are allowed too:
    /// then `params` may hold `top_logprobs`, and paths have no `body.` prefix.
    static func parseBody(_ body: JSONObject, chat: Bool, online: Bool = false) -> Result<(String, JSONObject), Problem> {
        func fail(_ code: String, _ message: String, _ field: String) -> Result<(String, JSONObject), Problem> {
            .failure(Problem(code: code, message: message, param: online ? field : "body.\(field)"))
        }
        let own: Set<String> = chat ? ["messages", "max_completion_tokens"] : ["prompt", "echo", "suffix", "best_of"]
        for key in body.pairs.map(\.key) where !common.contains(key) && !own.contains(key) && !hints.contains(key) {
            return fail("unsupported_parameter", "'\(key)' is not supported by this server.", key)
        }
        guard case .string(let model)? = body["model"], !model.isEmpty else {
            return fail("missing_required_parameter", "'model' must be a non-empty string.", "model")
        }
        var row = JSONObject()
        if chat {
            guard case .array(let items)? = body["messages"], !items.isEmpty else {
                return fail("missing_required_parameter", "'messages' must be a non-empty array.", "messages")
            }
            var messages: [JSONValue] = []
            for (i, item) in items.enumerated() {
                switch message(item) {
                case .success(let m): messages.append(m)
                case .failure(let invalid): return fail("invalid_value", invalid.reason, "messages[\(i)]")
                }
            }
            row["messages"] = .array(messages)
        } else {
            switch body["prompt"] {
            case .string(let p)?: row["prompt"] = .string(p)
            case .array(let items)? where items.count == 1 && items[0].stringValue != nil: row["prompt"] = items[0]
            default: return fail("invalid_value", "'prompt' must be a string (or an array of one string).", "prompt")
            }
            for key in ["echo", "suffix", "best_of"] where body[key] != nil && body[key] != .null
                && body[key] != .bool(false) && body[key] != .int(1) {
                return fail("unsupported_parameter", "'\(key)' is not supported by this server.", key)
            }
        }
        var params = JSONObject()
        for key in ["max_tokens", "max_completion_tokens"] {
            switch body[key] {
            case nil, .null?: break
            case .int(let n)? where (1...32768).contains(n): params["max_tokens"] = .int(n)
            default: return fail("invalid_value", "'\(key)' must be an integer in 1...32768.", key)
            }
        }
        switch body["seed"] {
        case nil, .null?: break
        case .int(let n)? where n >= 0: params["seed"] = .int(n)
        default: return fail("invalid_value", "'seed' must be a non-negative integer.", "seed")
        }
        switch body["stop"] {
        case nil, .null?: break
        case .string(let s)? where !s.isEmpty: params["stop"] = .array([.string(s)])
        case .array(let items)? where items.count <= 4 && items.allSatisfy({ !($0.stringValue ?? "").isEmpty }): params["stop"] = .array(items)
        default: return fail("invalid_value", "'stop' must be a string or an array of at most 4 non-empty strings.", "stop")
        }
        for (api, ours) in sampling {
            switch body[api] {
            case nil, .null?: continue
            case let v? where v.doubleValue != nil: params[ours] = v
            default: return fail("invalid_type", "'\(api)' must be a number.", api)
            }
        }
        switch body["n"] {
        case nil, .null?: break
        case .int(let n)? where (1...16).contains(n): if n > 1 { params["n"] = .int(n) }
        default: return fail("invalid_value", "'n' must be an integer in 1...16.", "n")
        }
        // Chat asks with a boolean, completions with a count of alternatives (of which only 0 is supported).
        switch (body["logprobs"], chat) {
        case (nil, _), (.null?, _), (.bool(false)?, true), (.int(0)?, false): break
        case (.bool(true)?, true): params["logprobs"] = .bool(true)
        case (.int(let k)?, false) where k > 0 && online:
            guard k <= 5 else { return fail("invalid_value", "'logprobs' must be an integer in 0...5.", "logprobs") }
            params["logprobs"] = .bool(true)
            params["top_logprobs"] = .int(k)
        case (.int(let k)?, false) where k > 0:
            return fail("unsupported_value", "'logprobs' can only be 0 in a batch (the chosen tokens' log-probabilities come with 0).", "logprobs")
        default: return fail("invalid_type", chat ? "'logprobs' must be a boolean." : "'logprobs' must be an integer.", "logprobs")
        }
        if !chat, body["logprobs"] == .int(0) { params["logprobs"] = .bool(true) }
        switch body["top_logprobs"] {
        case nil, .null?, .int(0)?: break
        case .int(let k)? where online && chat && (1...20).contains(k):
            guard params["logprobs"] == .bool(true) else {
                return fail("invalid_value", "'top_logprobs' needs 'logprobs' to be true.", "top_logprobs")
            }
            params["top_logprobs"] = .int(k)
        case .int? where online && chat: return fail("invalid_value", "'top_logprobs' must be an integer in 0...20.", "top_logprobs")
        default:
            return fail("unsupported_value", online ? "'top_logprobs' is a chat parameter; completions take 'logprobs' as a count."
                        : "'top_logprobs' can only be 0 in a batch (no alternatives are listed).", "top_logprobs")
        }
        if online {
            if let v = body["stream"], v != .null, v.boolValue == nil { return fail("invalid_type", "'stream' must be a boolean.", "stream") }
            switch body["stream_options"] {
            case nil, .null?: break
            case .object(let o)?:
                if let k = o.pairs.map(\.key).first(where: { $0 != "include_usage" && $0 != "include_obfuscation" }) {
                    return fail("unsupported_parameter", "'stream_options.\(k)' is not supported by this server.", "stream_options.\(k)")
                }
                if let v = o["include_usage"], v != .null, v.boolValue == nil {
                    return fail("invalid_type", "'stream_options.include_usage' must be a boolean.", "stream_options.include_usage")
                }
            default: return fail("invalid_type", "'stream_options' must be an object.", "stream_options")
            }
        } else if let v = body["stream"], v != .null, v != .bool(false) {
            return fail("unsupported_value", "'stream' can only be false in a batch on this server.", "stream")
        }
        row["params"] = .object(params)
        return .success((model, row))
    }

    struct Invalid: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// A chat message as the chat template takes it: a role and text content (text parts are joined).
    static func message(_ value: JSONValue) -> Result<JSONValue, Invalid> {
        guard case .object(let m) = value else { return .failure(Invalid("A message must be an object with 'role' and 'content'.")) }
        guard case .string(let role)? = m["role"], ["system", "developer", "user", "assistant"].contains(role) else {
            return .failure(Invalid("'role' must be one of system, developer, user or assistant."))
        }
        let text: String
        switch m["content"] {
        case .string(let s)?: text = s
        case .array(let parts)?:
            var pieces: [String] = []
            for part in parts {
                guard case .object(let p) = part, p["type"] == .string("text"), case .string(let t)? = p["text"] else {
                    return .failure(Invalid("Only text content parts ({\"type\": \"text\", \"text\": ...}) are supported."))
                }
                pieces.append(t)
            }
            text = pieces.joined()
        default: return .failure(Invalid("'content' must be a string or an array of text parts."))
        }
        return .success(.object(JSONObject([("role", .string(role == "developer" ? "system" : role)), ("content", .string(text))])))
    }
}
