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
    var stop: Stop?
    var seed: UInt64?

    /// The fields read here, and every sampling field by its name (`SamplingField`).
    static let known: Set<String> = Set(["id", "custom_id", "prompt", "messages", "max_tokens", "stop", "seed"])
        .union(SamplingField.allCases.map(\.name))
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
        } catch let error as DecodingError {
            throw BatchLineError(DecodingErrorText.describe(error))
        }
        guard (r.prompt == nil) != (r.messages == nil) else { throw BatchLineError("give exactly one of prompt and messages") }
        if let n = r.max_tokens, n < 1 { throw BatchLineError("max_tokens: must be at least 1") }
        var p = defaults
        for field in SamplingField.allCases {
            guard let raw = object[field.name] else { continue }
            guard let number = raw as? Double else { throw BatchLineError("\(field.name): must be a number") }
            if let problem = field.problem(with: number) { throw BatchLineError("\(field.name): \(problem)") }
            field.set(number, in: &p)
        }
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
