import Foundation
import TextNLPInference
import TextNLPPipeline

/// textnlp's own answer to a generation: text, token ids, log-probabilities, token counts and timings; and
/// the messages of a streamed one (`{"type": "text", "choice", "text"}` as text becomes final, then the
/// whole answer as `{"type": "result", ...}`).
struct GenerateObjects {
    let generation: OnlineGeneration
    let logprobs: Bool
    let id = "gen-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
    let start = ContinuousClock.now

    static func text(choice: Int, _ text: String) -> JSONValue {
        .object(JSONObject([("type", .string("text")), ("choice", .int(Int64(choice))), ("text", .string(text))]))
    }

    private static func ids(_ tokens: [Int32]) -> JSONValue { .array(tokens.map { .int(Int64($0)) }) }

    func result(_ results: [GenerationResult]) -> JSONValue {
        let choices: [JSONValue] = results.enumerated().map { i, r in
            let t = r.timings
            var c = JSONObject([
                ("index", .int(Int64(i))), ("text", .string(r.text)), ("token_ids", Self.ids(r.tokens)),
                ("logprobs", logprobs ? .array(r.logprobs.map { .double($0) }) : .null),
                ("top_logprobs", r.alternatives.isEmpty ? .null : .array(r.alternatives.map { alts in
                    .array(alts.map { a in
                        .object(JSONObject([("token_id", .int(Int64(a.token))), ("token", .string(generation.piece(a.token).text)), ("logprob", .double(a.logprob))]))
                    })
                })),
                ("finish_reason", .string(r.finishReason.rawValue)), ("stop_sequence", r.stopSequence.map(JSONValue.string) ?? .null),
            ])
            c["timings"] = .object(JSONObject([
                ("prefill_seconds", .double(t.prefillSeconds)), ("decode_seconds", .double(t.decodeSeconds)),
                ("prefill_tokens_per_second", .double(t.prefillTokensPerSecond)), ("decode_tokens_per_second", .double(t.decodeTokensPerSecond)),
            ]))
            return .object(c)
        }
        let completion = results.reduce(0) { $0 + $1.tokens.count }
        let elapsed = ContinuousClock.now - start
        return .object(JSONObject([
            ("type", .string("result")), ("id", .string(String(id))), ("object", .string("generation")), ("created", .int(generation.created)),
            ("model", .string(generation.model)), ("prompt_token_ids", Self.ids(generation.promptTokens)), ("choices", .array(choices)),
            ("usage", OpenAIObjects.usage(prompt: generation.promptTokens.count, completion: completion)),
            ("total_seconds", .double(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)),
        ]))
    }

    /// Runs the generation, handing each message of the stream to `send`; returns the completion tokens.
    func stream(_ events: AsyncThrowingStream<(choice: Int, event: GenerationEvent), any Error>, count: Int,
                send: (JSONValue) async throws -> Void) async throws -> Int {
        var results = [GenerationResult?](repeating: nil, count: count)
        for try await (i, event) in events {
            switch event {
            case .text(let text): try await send(Self.text(choice: i, text))
            case .finished(let r): results[i] = r
            }
        }
        let done = results.compactMap { $0 }
        try await send(result(done))
        return done.reduce(0) { $0 + $1.tokens.count }
    }
}
