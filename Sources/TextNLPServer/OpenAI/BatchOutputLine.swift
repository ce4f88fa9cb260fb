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

    /// An output row of the generate stage (its fields `completion*`) as an output line.
    func output(_ row: JSONObject) -> JSONValue {
        let customID = row["custom_id"]?.stringValue ?? row["id"]?.stringValue ?? ""
        let text = row["completion"]?.stringValue ?? ""
        let prompt = row["completion_prompt_tokens"]?.doubleValue.map { Int64($0) } ?? 0
        let completion = row["completion_completion_tokens"]?.doubleValue.map { Int64($0) } ?? 0
        let finish = row["completion_finish_reason"] ?? .string("stop")
        let usage = JSONValue.object(JSONObject([
            ("prompt_tokens", .int(prompt)), ("completion_tokens", .int(completion)), ("total_tokens", .int(prompt + completion)),
        ]))
        let chat = endpoint == "/v1/chat/completions"
        let choice: JSONValue = chat
            ? .object(JSONObject([
                ("index", .int(0)),
                ("message", .object(JSONObject([("role", .string("assistant")), ("content", .string(text)), ("refusal", .null)]))),
                ("logprobs", .null), ("finish_reason", finish),
            ]))
            : .object(JSONObject([("text", .string(text)), ("index", .int(0)), ("logprobs", .null), ("finish_reason", finish)]))
        let body = JSONObject([
            ("id", .string((chat ? "chatcmpl-" : "cmpl-") + hash(batchID, customID))),
            ("object", .string(chat ? "chat.completion" : "text_completion")),
            ("created", .int(created)), ("model", .string(model)), ("choices", .array([choice])), ("usage", usage),
            ("system_fingerprint", .string("textnlp")),
        ])
        return line(customID, response: .object(JSONObject([
            ("status_code", .int(200)), ("request_id", .string("req_" + hash(batchID, customID, "request"))), ("body", .object(body)),
        ])), error: .null)
    }

    /// A row the generate stage could not answer (`RowError.json`) as an error line.
    func error(_ row: JSONObject) -> JSONValue {
        let customID = row["id"]?.stringValue ?? ""
        let reason = row["reason"]?.stringValue ?? "the request failed"
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
