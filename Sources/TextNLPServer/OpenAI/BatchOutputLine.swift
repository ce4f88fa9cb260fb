import TextNLPPipeline

/// The lines of an OpenAI batch's output and error files, made from the rows of its parts: a real
/// `chat.completion` or `text_completion` object with usage for each answered request, an error for
/// each request that could not be answered.
struct BatchOutputLine {
    let batchID: String
    let endpoint: String
    let model: String
    let created: Int64

    private func hash(_ parts: String...) -> String { String(SHA256.hex(Array(parts.joined(separator: "\u{0}").utf8)).prefix(24)) }

    /// The request a row answers (its samples share it).
    static func customID(_ row: JSONObject) -> String {
        row["custom_id"]?.stringValue ?? row["row"]?.objectValue?["custom_id"]?.stringValue ?? row["id"]?.stringValue ?? ""
    }

    /// The output rows of one request (one per sample, in sample order) as its output line.
    func output(_ rows: [JSONObject]) -> JSONValue {
        let customID = rows.first.map(Self.customID) ?? ""
        func int(_ row: JSONObject, _ key: String) -> Int64 { row[key]?.doubleValue.map { Int64($0) } ?? 0 }
        // The prompt is read once for all samples; the completions add up.
        let prompt = rows.first.map { int($0, "completion_prompt_tokens") } ?? 0
        let completion = rows.reduce(0) { $0 + int($1, "completion_completion_tokens") }
        let usage = JSONValue.object(JSONObject([
            ("prompt_tokens", .int(prompt)), ("completion_tokens", .int(completion)), ("total_tokens", .int(prompt + completion)),
        ]))
        // Anthropic's message batches are chat too, shown through this door.
        let chat = endpoint != "/v1/completions"
        let choices: [JSONValue] = rows.enumerated().map { index, row in
            let text = row["completion"]?.stringValue ?? ""
            let finish = row["completion_finish_reason"] ?? .string("stop")
            let tokens = (row["completion_logprobs"]?.arrayValue ?? []).compactMap(\.objectValue)
            if chat {
                let logprobs: JSONValue = row["completion_logprobs"] == nil ? .null : .object(JSONObject([
                    ("content", .array(tokens.map { t in
                        .object(JSONObject([("token", t["token"] ?? .string("")), ("logprob", t["logprob"] ?? .double(0)),
                                            ("bytes", t["bytes"] ?? .array([])), ("top_logprobs", .array([]))]))
                    })), ("refusal", .null),
                ]))
                return .object(JSONObject([
                    ("index", .int(Int64(index))),
                    ("message", .object(JSONObject([("role", .string("assistant")), ("content", .string(text)), ("refusal", .null)]))),
                    ("logprobs", logprobs), ("finish_reason", finish),
                ]))
            }
            var offset = 0
            var offsets: [JSONValue] = []
            for t in tokens {
                offsets.append(.int(Int64(offset)))
                offset += (t["bytes"]?.arrayValue?.count ?? 0)
            }
            let logprobs: JSONValue = row["completion_logprobs"] == nil ? .null : .object(JSONObject([
                ("tokens", .array(tokens.map { $0["token"] ?? .string("") })), ("token_logprobs", .array(tokens.map { $0["logprob"] ?? .double(0) })),
                ("top_logprobs", .null), ("text_offset", .array(offsets)),
            ]))
            return .object(JSONObject([("text", .string(text)), ("index", .int(Int64(index))), ("logprobs", logprobs), ("finish_reason", finish)]))
        }
        let body = JSONObject([
            ("id", .string((chat ? "chatcmpl-" : "cmpl-") + hash(batchID, customID))),
            ("object", .string(chat ? "chat.completion" : "text_completion")),
            ("created", .int(created)), ("model", .string(model)), ("choices", .array(choices)), ("usage", usage),
            ("system_fingerprint", .string("textnlp")),
        ])
        return line(customID, response: .object(JSONObject([
            ("status_code", .int(200)), ("request_id", .string("req_" + hash(batchID, customID, "request"))), ("body", .object(body)),
        ])), error: .null)
    }

    /// The rows the generate stage could not answer for one request (`RowError.json`) as its error line.
    func error(_ rows: [JSONObject]) -> JSONValue {
        let customID = rows.first.map(Self.customID) ?? ""
        let reason = rows.first?["reason"]?.stringValue ?? "the request failed"
        let error = JSONObject([
            ("message", .string(reason)), ("type", .string("invalid_request_error")), ("param", .null), ("code", .string("generation_failed")),
        ])
        return line(customID, response: .object(JSONObject([
            ("status_code", .int(400)), ("request_id", .string("req_" + hash(batchID, customID, "request"))),
            ("body", .object(JSONObject([("error", .object(error))]))),
        ])), error: .object(JSONObject([("code", .string("generation_failed")), ("message", .string(reason))])))
    }

    private func line(_ customID: String, response: JSONValue, error: JSONValue) -> JSONValue {
        .object(JSONObject([
            ("id", .string("batch_req_" + hash(batchID, customID))), ("custom_id", .string(customID)), ("response", response), ("error", error),
        ]))
    }
}
