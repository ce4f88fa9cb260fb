/// Token kinds as stored in `tokenizer.ggml.token_type`.
public enum TokenKind: Int, Sendable {
    case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}

/// The vocabulary of a model, read from GGUF metadata.
public struct Vocabulary: Sendable {
    public let tokens: [String]
    public let kinds: [TokenKind]
    public let idByText: [String: Int32]
    public let bos: Int32?
    public let eos: Int32?
    public let eot: Int32?
    public let addBOS: Bool
    public let addEOS: Bool
    /// Tokens that end generation (llama.cpp's end-of-generation set).
    public let endOfGeneration: Set<Int32>
    /// Control, user-defined and unknown tokens that may appear literally in text, longest first.
    let specials: [(bytes: [UInt8], id: Int32, kind: TokenKind)]

    public var count: Int { tokens.count }

    public init(tokens: [String], kinds: [TokenKind], bos: Int32?, eos: Int32?, eot: Int32?, eom: Int32? = nil,
                addBOS: Bool, addEOS: Bool) {
        self.tokens = tokens
        self.kinds = kinds
        var idByText: [String: Int32] = [:]
        idByText.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where idByText[t] == nil { idByText[t] = Int32(i) }
        self.idByText = idByText
        self.bos = bos
        self.eos = eos
        self.addBOS = addBOS
        self.addEOS = addEOS

        // Like llama.cpp, recognise the usual end-of-turn tokens by their text as well.
        let eogTexts: Set<String> = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                                     "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<｜end▁of▁sentence｜>"]
        var eot = eot
        if eot == nil {
            for text in ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>"] {
                if let id = idByText[text] { eot = id; break }
            }
        }
        self.eot = eot
        var eog = Set([eos, eot, eom].compactMap { $0 })
        for (text, id) in idByText where eogTexts.contains(text) && kinds[Int(id)] == .control {
            eog.insert(id)
        }
        endOfGeneration = eog

        var specials: [(bytes: [UInt8], id: Int32, kind: TokenKind)] = []
        for (i, kind) in kinds.enumerated() where kind == .control || kind == .userDefined || kind == .unknown {
            let bytes = Array(tokens[i].utf8)
            if !bytes.isEmpty { specials.append((bytes, Int32(i), kind)) }
        }
        // Longest first, so that a special token is never split by a shorter one inside it.
        specials.sort { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
        self.specials = specials
    }

    public func isControl(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < kinds.count && kinds[Int(id)] == .control
    }
}
