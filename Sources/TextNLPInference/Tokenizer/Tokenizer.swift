/// Byte-level BPE tokenizer built from a GGUF file's `tokenizer.ggml.*` metadata.
/// Token ids are those of llama.cpp's `llama_tokenize` for the same text and flags.
public struct Tokenizer: Sendable {
    public let vocabulary: Vocabulary
    public let preTokenizer: PreTokenizer
    let merges: BPEMerges

    public init(vocabulary: Vocabulary, merges: [String], preTokenizer: PreTokenizer) {
        self.vocabulary = vocabulary
        self.preTokenizer = preTokenizer
        self.merges = BPEMerges(merges: merges, vocabulary: vocabulary)
    }

    public init(gguf file: GGUFFile) throws {
        let model = try file.string("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw TokenizerError.unsupportedModel(path: file.path, model: model)
        }
        let preName = file.metadata["tokenizer.ggml.pre"]?.stringValue
        guard let pre = PreTokenizer(ggufName: preName) else {
            throw TokenizerError.unsupportedPreTokenizer(path: file.path, name: preName ?? "")
        }
        let tokens = try file.stringArray("tokenizer.ggml.tokens")
        let kinds: [TokenKind]
        if file.metadata["tokenizer.ggml.token_type"] != nil {
            kinds = try file.intArray("tokenizer.ggml.token_type").map { TokenKind(rawValue: $0) ?? .normal }
            guard kinds.count == tokens.count else {
                throw GGUFError.corrupt(path: file.path, offset: 0, reason: "tokenizer.ggml.token_type has \(kinds.count) entries for \(tokens.count) tokens")
            }
        } else {
            kinds = Array(repeating: .normal, count: tokens.count)
        }
        func id(_ key: String) throws -> Int32? {
            guard let v = try file.optionalInt(key), v >= 0, v < tokens.count else { return nil }
            return Int32(v)
        }
        // llama.cpp's Llama 3 family pre-tokenizers add BOS unless the file says otherwise.
        let defaultBOS = pre == .llama3
        let vocabulary = Vocabulary(
            tokens: tokens, kinds: kinds,
            bos: try id("tokenizer.ggml.bos_token_id"), eos: try id("tokenizer.ggml.eos_token_id"),
            eot: try id("tokenizer.ggml.eot_token_id"), eom: try id("tokenizer.ggml.eom_token_id"),
            addBOS: try file.optionalBool("tokenizer.ggml.add_bos_token") ?? defaultBOS,
            addEOS: try file.optionalBool("tokenizer.ggml.add_eos_token") ?? false)
        let merges = file.metadata["tokenizer.ggml.merges"] == nil ? [] : try file.stringArray("tokenizer.ggml.merges")
        self.init(vocabulary: vocabulary, merges: merges, preTokenizer: pre)
    }

    /// Token ids of `text`.
    /// - Parameters:
    ///   - parseSpecial: recognise control tokens such as `<|im_start|>` written in the text.
    ///   - addSpecial: add BOS/EOS when the model asks for them.
    public func encode(_ text: String, parseSpecial: Bool = true, addSpecial: Bool = true) -> [Int32] {
        var out: [Int32] = []
        if addSpecial, vocabulary.addBOS, let bos = vocabulary.bos { out.append(bos) }
        let bytes = Array(text.utf8)
        for fragment in partition(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id): out.append(id)
            case .raw(let range): encodeRaw(bytes[range], into: &out)
            }
        }
        if addSpecial, vocabulary.addEOS, let eos = vocabulary.eos { out.append(eos) }
        return out
    }

    enum Fragment: Equatable { case raw(Range<Int>), token(Int32) }

    /// Splits text at the special tokens written in it, longest tokens first (llama.cpp's `tokenizer_st_partition`).
    func partition(_ bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
        var fragments: [Fragment] = bytes.isEmpty ? [] : [.raw(0..<bytes.count)]
        for special in vocabulary.specials {
            if !parseSpecial && (special.kind == .control || special.kind == .unknown) { continue }
            var next: [Fragment] = []
            next.reserveCapacity(fragments.count)
            for fragment in fragments {
                guard case .raw(let range) = fragment else { next.append(fragment); continue }
                var start = range.lowerBound
                var i = range.lowerBound
                let needle = special.bytes
                while i + needle.count <= range.upperBound {
                    if bytes[i] == needle[0] && bytes[i..<(i + needle.count)].elementsEqual(needle) {
                        if i > start { next.append(.raw(start..<i)) }
                        next.append(.token(special.id))
                        i += needle.count
                        start = i
                    } else {
                        i += 1
                    }
                }
                if start < range.upperBound { next.append(.raw(start..<range.upperBound)) }
            }
            fragments = next
        }
        return fragments
    }

    private func encodeRaw(_ bytes: ArraySlice<UInt8>, into out: inout [Int32]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let scalars = Array(text.unicodeScalars)
        var offsets = [Int](repeating: 0, count: scalars.count + 1)
        for (i, s) in scalars.enumerated() { offsets[i + 1] = offsets[i] + UTF8.width(s) }
        let utf8 = Array(text.utf8)
        for word in preTokenizer.split(scalars) {
            merges.encode(utf8[offsets[word.lowerBound]..<offsets[word.upperBound]], into: &out)
        }
    }

    // MARK: - Decoding

    /// Bytes of one token, as llama.cpp's `llama_token_to_piece`: control tokens only when `special`.
    public func piece(_ id: Int32, special: Bool = false) -> [UInt8] {
        guard id >= 0, Int(id) < vocabulary.count else { return [] }
        let text = vocabulary.tokens[Int(id)]
        switch vocabulary.kinds[Int(id)] {
        case .normal: return ByteEncoding.decode(text)
        case .userDefined: return Array(text.utf8)
        case .control, .unknown: return special ? Array(text.utf8) : []
        case .byte, .unused: return []
        }
    }

    /// Text of a token sequence; invalid UTF-8 becomes U+FFFD.
    public func decode(_ ids: [Int32], special: Bool = false) -> String {
        String(decoding: ids.flatMap { piece($0, special: special) }, as: UTF8.self)
    }
}

public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    case unsupportedModel(path: String, model: String)
    case unsupportedPreTokenizer(path: String, name: String)

    public var description: String {
        switch self {
        case let .unsupportedModel(path, model):
            return "\(path): unsupported tokenizer model '\(model)' (supported: gpt2 byte-level BPE)"
        case let .unsupportedPreTokenizer(path, name):
            return "\(path): unsupported pre-tokenizer '\(name)' (supported: \(PreTokenizer.supportedNames))"
        }
    }
}
