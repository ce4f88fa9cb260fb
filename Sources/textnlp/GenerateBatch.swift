import Foundation
import TextNLPInference

/// One line of `generate --input FILE.jsonl`: a prompt or chat messages, plus sampling fields named
/// as in the OpenAI API.
struct BatchRequestLine: Decodable {
    enum ID: Decodable {
        case string(String), number(Int)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .string(s) } else { self = .number(try c.decode(Int.self)) }
        }
        var json: Any { switch self { case .string(let s): s; case .number(let n): n } }
    }

    enum Stop: Decodable {
        case one(String), many([String])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .one(s) } else { self = .many(try c.decode([String].self)) }
        }
        var list: [String] { switch self { case .one(let s): [s]; case .many(let l): l } }
    }

    var id: ID?
    var custom_id: ID?
    var prompt: String?
    var messages: [ChatMessage]?
    var max_tokens: Int?
    var temperature: Float?
    var top_p: Float?
    var top_k: Int?
    var min_p: Float?
    var repeat_penalty: Float?
    var frequency_penalty: Float?
    var presence_penalty: Float?
    var stop: Stop?
    var seed: UInt64?

    static let known: Set<String> = ["id", "custom_id", "prompt", "messages", "max_tokens", "temperature", "top_p", "top_k", "min_p",
                                     "stop", "seed", "repeat_penalty", "frequency_penalty", "presence_penalty"]
    /// OpenAI fields that do not change local generation.
    static let ignored: Set<String> = ["model", "user", "stream", "n", "logprobs"]

    /// Decodes and checks one line; errors name the field.
    static func parse(_ line: String, defaults: SamplingParameters, index: Int) throws -> (BatchRequestLine, SamplingParameters) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw BatchLineError("not a JSON object")
        }
        for key in object.keys.sorted() where !known.contains(key) && !ignored.contains(key) {
            throw BatchLineError("unknown field '\(key)'")
        }
        let r: BatchRequestLine
        do {
            r = try JSONDecoder().decode(BatchRequestLine.self, from: Data(line.utf8))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            throw BatchLineError("\(path): wrong type")
        } catch let DecodingError.keyNotFound(key, context) {
            let path = (context.codingPath + [key]).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            throw BatchLineError("\(path): missing")
        }
        guard (r.prompt == nil) != (r.messages == nil) else { throw BatchLineError("give exactly one of prompt and messages") }
        if let n = r.max_tokens, n < 1 { throw BatchLineError("max_tokens: must be at least 1") }
        var p = defaults
        if let v = r.temperature { p.temperature = v }
        if let v = r.top_p { p.topP = v }
        if let v = r.top_k { p.topK = v }
        if let v = r.min_p { p.minP = v }
        if let v = r.repeat_penalty { p.repeatPenalty = v }
        if let v = r.frequency_penalty { p.frequencyPenalty = v }
        if let v = r.presence_penalty { p.presencePenalty = v }
        // Without a seed, each line gets its own, derived from the run's seed and its position.
        p.seed = r.seed ?? (defaults.seed &+ UInt64(index))
        do { try p.validate() } catch { throw BatchLineError("\(error)") }
        return (r, p)
    }
}

struct BatchLineError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
