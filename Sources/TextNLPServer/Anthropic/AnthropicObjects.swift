import Foundation
import TextNLPInference
import TextNLPPipeline

/// Anthropic's `message` object and the events of a streamed one.
struct AnthropicObjects {
    let generation: OnlineGeneration
    let id = "msg_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)

    /// Anthropic's names: the model's end of turn, a stop sequence, or the token limit.
    static func stopReason(_ r: GenerationResult) -> (reason: String, sequence: JSONValue) {
        switch r.finishReason {
        case .length: ("max_tokens", .null)
        case .stop: r.stopSequence.map { ("stop_sequence", JSONValue.string($0)) } ?? ("end_turn", .null)
        }
    }

    static func usage(input: Int, output: Int) -> JSONValue {
        .object(JSONObject([
            ("input_tokens", .int(Int64(input))), ("cache_creation_input_tokens", .int(0)), ("cache_read_input_tokens", .int(0)),
            ("output_tokens", .int(Int64(output))),
        ]))
    }

    private func message(content: [JSONValue], stop: (reason: String, sequence: JSONValue)?, output: Int) -> JSONValue {
        .object(JSONObject([
            ("id", .string(id)), ("type", .string("message")), ("role", .string("assistant")), ("model", .string(generation.model)),
            ("content", .array(content)), ("stop_reason", stop.map { .string($0.reason) } ?? .null), ("stop_sequence", stop?.sequence ?? .null),
            ("usage", Self.usage(input: generation.promptTokens.count, output: output)),
        ]))
    }

    static func textBlock(_ text: String) -> JSONValue {
        .object(JSONObject([("type", .string("text")), ("text", .string(text))]))
    }

    func message(_ r: GenerationResult) -> JSONValue {
        message(content: [Self.textBlock(r.text)], stop: Self.stopReason(r), output: r.tokens.count)
    }

    private static func event(_ type: String, _ fields: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject([("type", .string(type))] + fields))
    }

    /// The events before the first text: the message, empty, and its one text block opened.
    func start() -> [(String, JSONValue)] {
        [
            ("message_start", Self.event("message_start", [("message", message(content: [], stop: nil, output: 0))])),
            ("content_block_start", Self.event("content_block_start", [("index", .int(0)), ("content_block", Self.textBlock(""))])),
            ("ping", Self.event("ping", [])),
        ]
    }

    static func delta(_ text: String) -> (String, JSONValue) {
        ("content_block_delta", event("content_block_delta", [
            ("index", .int(0)), ("delta", .object(JSONObject([("type", .string("text_delta")), ("text", .string(text))]))),
        ]))
    }

    /// The events after the last text: the block closed, the stop reason and usage, the end.
    func end(_ r: GenerationResult) -> [(String, JSONValue)] {
        let stop = Self.stopReason(r)
        return [
            ("content_block_stop", Self.event("content_block_stop", [("index", .int(0))])),
            ("message_delta", Self.event("message_delta", [
                ("delta", .object(JSONObject([("stop_reason", .string(stop.reason)), ("stop_sequence", stop.sequence)]))),
                ("usage", .object(JSONObject([("output_tokens", .int(Int64(r.tokens.count)))]))),
            ])),
            ("message_stop", Self.event("message_stop", [])),
        ]
    }
}
