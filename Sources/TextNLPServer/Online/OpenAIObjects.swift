import Foundation
import TextNLPInference
import TextNLPPipeline

/// OpenAI's objects for an online request: `chat.completion` and `text_completion` with usage, and the
/// `chat.completion.chunk` / `text_completion` chunks of a stream.
struct OpenAIObjects {
    let generation: OnlineGeneration
    let chat: Bool
    let logprobs: Bool
    let id: String

    init(_ generation: OnlineGeneration, chat: Bool, logprobs: Bool) {
        self.generation = generation
        self.chat = chat
        self.logprobs = logprobs
        id = (chat ? "chatcmpl-" : "cmpl-") + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    static func usage(prompt: Int, completion: Int) -> JSONValue {
        .object(JSONObject([
            ("prompt_tokens", .int(Int64(prompt))), ("completion_tokens", .int(Int64(completion))), ("total_tokens", .int(Int64(prompt + completion))),
        ]))
    }

    private func envelope(_ object: String, choices: [JSONValue], usage: JSONValue?) -> JSONValue {
        var o = JSONObject([
            ("id", .string(id)), ("object", .string(object)), ("created", .int(generation.created)), ("model", .string(generation.model)),
            ("system_fingerprint", .string("textnlp")), ("choices", .array(choices)),
        ])
        if let usage { o["usage"] = usage }
        return .object(o)
    }

    /// The whole answer.
    func completion(_ results: [GenerationResult]) -> JSONValue {
        let choices: [JSONValue] = results.enumerated().map { i, r in
            var c = JSONObject([("index", .int(Int64(i)))])
            if chat {
                c["message"] = .object(JSONObject([("role", .string("assistant")), ("content", .string(r.text)), ("refusal", .null)]))
            } else {
                c["text"] = .string(r.text)
            }
            c["logprobs"] = logprobs ? logprobsJSON(r, from: 0) : .null
            c["finish_reason"] = .string(r.finishReason.rawValue)
            return .object(c)
        }
        let completion = results.reduce(0) { $0 + $1.tokens.count }
        return envelope(chat ? "chat.completion" : "text_completion", choices: choices,
                        usage: Self.usage(prompt: generation.promptTokens.count, completion: completion))
    }

    /// A chunk of a stream: a choice's new text (chat's first chunk of a choice also names the role), or its end.
    func chunk(choice: Int, text: String?, first: Bool = false, finish: GenerationResult? = nil, includeUsage: Bool) -> JSONValue {
        var c = JSONObject([("index", .int(Int64(choice)))])
        if chat {
            var delta = JSONObject()
            if first { delta["role"] = .string("assistant") }
            if let text { delta["content"] = .string(text) }
            c["delta"] = .object(delta)
        } else {
            c["text"] = .string(text ?? "")
        }
        // The logprobs of a choice's tokens come with its last chunk, when its text is final.
        c["logprobs"] = finish.flatMap { logprobs ? logprobsJSON($0, from: 0) : nil } ?? .null
        c["finish_reason"] = finish.map { .string($0.finishReason.rawValue) } ?? .null
        return envelope(chat ? "chat.completion.chunk" : "text_completion", choices: [.object(c)], usage: includeUsage ? .null : nil)
    }

    /// The last chunk when the client asked for usage: no choices, the request's usage.
    func usageChunk(completionTokens: Int) -> JSONValue {
        envelope(chat ? "chat.completion.chunk" : "text_completion", choices: [],
                 usage: Self.usage(prompt: generation.promptTokens.count, completion: completionTokens))
    }

    private func logprobsJSON(_ r: GenerationResult, from start: Int) -> JSONValue {
        let tokens = Array(r.tokens[start...])
        if chat {
            let content: [JSONValue] = tokens.enumerated().map { j, token in
                let i = start + j
                let (text, bytes) = generation.piece(token)
                let top: [JSONValue] = (i < r.alternatives.count ? r.alternatives[i] : []).map { a in
                    let (t, b) = generation.piece(a.token)
                    return .object(JSONObject([("token", .string(t)), ("logprob", .double(a.logprob)), ("bytes", .array(b.map { .int(Int64($0)) }))]))
                }
                return .object(JSONObject([
                    ("token", .string(text)), ("logprob", .double(r.logprobs[i])), ("bytes", .array(bytes.map { .int(Int64($0)) })), ("top_logprobs", .array(top)),
                ]))
            }
            return .object(JSONObject([("content", .array(content)), ("refusal", .null)]))
        }
        var offset = 0
        var offsets: [JSONValue] = []
        var texts: [JSONValue] = []
        for token in tokens {
            let (text, bytes) = generation.piece(token)
            offsets.append(.int(Int64(offset)))
            offset += bytes.count
            texts.append(.string(text))
        }
        let top: JSONValue = r.alternatives.isEmpty ? .null : .array(r.alternatives[start...].map { alts in
            .object(JSONObject(alts.map { (generation.piece($0.token).text, JSONValue.double($0.logprob)) }))
        })
        return .object(JSONObject([
            ("tokens", .array(texts)), ("token_logprobs", .array(r.logprobs[start...].map { .double($0) })), ("top_logprobs", top), ("text_offset", .array(offsets)),
        ]))
    }
}
