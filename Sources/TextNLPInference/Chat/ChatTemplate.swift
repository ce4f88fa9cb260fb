import Foundation

/// One message of a conversation, in the OpenAI shape.
public struct ChatMessage: Codable, Sendable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Renders conversations the way a model's own Jinja template (`tokenizer.chat_template`) does,
/// for the families that matter. The family is recognised from the template's text.
public struct ChatTemplate: Sendable, Equatable {
    public enum Family: Sendable, Equatable {
        /// `<|im_start|>role\ncontent<|im_end|>\n`; some templates (SmolLM2) add a default system prompt.
        case chatML(defaultSystem: String?)
        case llama2, llama3, mistral, zephyr
    }

    public let family: Family
    public let bos: String
    public let eos: String

    public init(family: Family, bos: String = "<s>", eos: String = "</s>") {
        self.family = family
        self.bos = bos
        self.eos = eos
    }

    /// Recognises the family of a Jinja chat template.
    public init(jinja template: String, bos: String, eos: String) throws {
        self.bos = bos
        self.eos = eos
        if template.contains("<|im_start|>") {
            family = .chatML(defaultSystem: Self.defaultSystemPrompt(in: template))
        } else if template.contains("<|start_header_id|>") {
            family = .llama3
        } else if template.contains("<<SYS>>") {
            family = .llama2
        } else if template.contains("[INST]") {
            family = .mistral
        } else if template.contains("<|user|>") && template.contains("<|assistant|>") {
            family = .zephyr
        } else {
            throw ChatTemplateError.unrecognised(String(template.prefix(120)))
        }
    }

    /// The model's template, or a clear error when it has none or an unknown one.
    public init(gguf file: GGUFFile, tokenizer: Tokenizer) throws {
        guard let template = file.metadata["tokenizer.chat_template"]?.stringValue else {
            throw ChatTemplateError.missing(path: file.path)
        }
        let v = tokenizer.vocabulary
        func text(_ id: Int32?) -> String { id.map { v.tokens[Int($0)] } ?? "" }
        try self.init(jinja: template, bos: text(v.bos), eos: text(v.eos))
    }

    /// The literal system block of a ChatML template, which it renders when the caller gives no system message.
    static func defaultSystemPrompt(in template: String) -> String? {
        for newline in ["\n", "\\n"] {
            let open = "<|im_start|>system" + newline
            guard let start = template.range(of: open),
                  let end = template.range(of: "<|im_end|>", range: start.upperBound..<template.endIndex) else { continue }
            let body = String(template[start.upperBound..<end.lowerBound])
            // A Jinja expression instead of literal text is no default prompt.
            if body.contains("'") || body.contains("{") || body.contains("+") { return nil }
            return newline == "\\n" ? body.replacingOccurrences(of: "\\n", with: "\n") : body
        }
        return nil
    }

    /// Whether the rendered text starts with the BOS token's text (then the tokenizer must not add another).
    public var rendersBOS: Bool {
        switch family {
        case .llama2, .llama3, .mistral: true
        case .chatML, .zephyr: false
        }
    }

    /// The prompt text for `messages`, ending with the assistant's turn when `addGenerationPrompt`.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> String {
        guard !messages.isEmpty else { throw ChatTemplateError.noMessages }
        for (i, m) in messages.enumerated() where !["system", "user", "assistant"].contains(m.role) {
            throw ChatTemplateError.unknownRole(index: i, role: m.role)
        }
        switch family {
        case .chatML(let defaultSystem):
            var out = ""
            if let defaultSystem, messages[0].role != "system" {
                out += "<|im_start|>system\n\(defaultSystem)<|im_end|>\n"
            }
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
            return out
        case .llama3:
            var out = ""
            for (i, m) in messages.enumerated() {
                if i == 0 { out += bos }
                out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n" + Self.trim(m.content) + "<|eot_id|>"
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
            return out
        case .llama2:
            var turns = messages
            var system: String?
            if turns[0].role == "system" { system = turns.removeFirst().content }
            try Self.checkAlternation(turns, offset: system == nil ? 0 : 1)
            var out = ""
            for (i, m) in turns.enumerated() {
                var content = m.content
                if i == 0, let system { content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content }
                if m.role == "user" {
                    out += bos + "[INST] " + Self.trim(content) + " [/INST]"
                } else {
                    out += " " + Self.trim(content) + " " + eos
                }
            }
            return out
        case .mistral:
            var turns = messages
            // Mistral's template has no system role; the system text leads the first user message.
            if turns[0].role == "system" {
                let system = turns.removeFirst().content
                if !turns.isEmpty { turns[0].content = system + "\n\n" + turns[0].content }
            }
            try Self.checkAlternation(turns, offset: 0)
            var out = bos
            for m in turns {
                out += m.role == "user" ? "[INST] " + m.content + " [/INST]" : m.content + eos
            }
            return out
        case .zephyr:
            var out = ""
            for m in messages { out += "<|\(m.role)|>\n" + m.content + eos + "\n" }
            if addGenerationPrompt { out += "<|assistant|>\n" }
            return out
        }
    }

    /// Jinja's `trim` / Python's `strip()`: leading and trailing white space.
    static func trim(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }

    private static func checkAlternation(_ turns: [ChatMessage], offset: Int) throws {
        for (i, m) in turns.enumerated() where (m.role == "user") != (i % 2 == 0) {
            throw ChatTemplateError.rolesMustAlternate(index: i + offset)
        }
    }
}

public enum ChatTemplateError: Error, Equatable, CustomStringConvertible {
    case missing(path: String)
    case unrecognised(String)
    case noMessages
    case unknownRole(index: Int, role: String)
    case rolesMustAlternate(index: Int)

    public var description: String {
        switch self {
        case .missing(let path):
            return "\(path): the model has no chat template (tokenizer.chat_template); use --raw and write the prompt yourself"
        case .unrecognised(let start):
            return "unrecognised chat template (supported: ChatML, Llama 2, Llama 3, Mistral, Zephyr); use --raw. Template starts: \(start)"
        case .noMessages:
            return "a chat needs at least one message"
        case let .unknownRole(index, role):
            return "messages[\(index)].role: '\(role)' is not system, user or assistant"
        case .rolesMustAlternate(let index):
            return "messages[\(index)]: this template needs user and assistant turns to alternate, starting with user"
        }
    }
}
