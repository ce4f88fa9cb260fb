/// Splits text into the words that byte-level BPE merges within.
/// The splitters reproduce llama.cpp's hand-written versions of the Hugging Face regular
/// expressions (`unicode.cpp`), which decide every edge case the same way.
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// Every digit on its own (`\p{N}`), then the GPT-2 expression (SmolLM, StarCoder).
    case smollm
    /// Llama 3: case-insensitive contractions, letters with one leading non-letter, digits in threes.
    case llama3
    /// Qwen 2: as Llama 3, but digits one by one.
    case qwen2

    /// The pre-tokenizer named by `tokenizer.ggml.pre`, with llama.cpp's aliases.
    public init?(ggufName name: String?) {
        switch name ?? "default" {
        case "default", "gpt-2", "phi-2", "jina-es", "jina-de", "jina-v2-es", "jina-v2-de", "mpt", "olmo", "jais",
             "roberta-bpe", "jina-v1-en", "jina-v2-code", "mellum", "modern-bert", "gigachat", "trillion":
            self = .gpt2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva":
            self = .smollm
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "dbrx", "smaug-bpe":
            self = .llama3
        case "qwen2", "deepseek-r1-qwen":
            self = .qwen2
        default:
            return nil
        }
    }

    static let supportedNames = "default, gpt-2, smollm, starcoder, llama3, llama-bpe, qwen2 (and their llama.cpp aliases)"

    /// The words of `scalars`, as ranges of indices.
    func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let classes = scalars.map(CodepointClass.init)
        let whole = [0..<scalars.count]
        switch self {
        case .gpt2:
            return Self.gpt2(scalars, classes, whole)
        case .smollm:
            return Self.gpt2(scalars, classes, Self.isolateDigits(classes, whole))
        case .llama3:
            return Self.llama3(scalars, classes, whole, digitRun: 3)
        case .qwen2:
            return Self.llama3(scalars, classes, whole, digitRun: 1)
        }
    }

    /// `\p{N}`: each number on its own; the text between numbers is kept as pieces.
    static func isolateDigits(_ classes: [CodepointClass], _ pieces: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for piece in pieces {
            var start = piece.lowerBound
            for i in piece where classes[i].contains(.number) {
                if i > start { out.append(start..<i) }
                out.append(i..<(i + 1))
                start = i + 1
            }
            if start < piece.upperBound { out.append(start..<piece.upperBound) }
        }
        return out
    }

    private static func isContractionLetter(_ s: Unicode.Scalar?, _ lower: Character, caseInsensitive: Bool) -> Bool {
        guard let s else { return false }
        if Character(s) == lower { return true }
        return caseInsensitive && Character(s) == Character(lower.uppercased())
    }

    /// Length of a contraction (`'s`, `'re`, ...) starting at `pos`, or 0.
    private static func contraction(_ at: (Int) -> Unicode.Scalar?, _ pos: Int, caseInsensitive ci: Bool) -> Int {
        guard at(pos) == "'" else { return 0 }
        let n1 = at(pos + 1), n2 = at(pos + 2)
        for c in ["s", "t", "m", "d"] as [Character] where isContractionLetter(n1, c, caseInsensitive: ci) { return 2 }
        for (a, b) in [("r", "e"), ("v", "e"), ("l", "l")] as [(Character, Character)]
        where isContractionLetter(n1, a, caseInsensitive: ci) && isContractionLetter(n2, b, caseInsensitive: ci) {
            return 3
        }
        return 0
    }

    static func gpt2(_ scalars: [Unicode.Scalar], _ classes: [CodepointClass], _ pieces: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for piece in pieces {
            let end = piece.upperBound
            func at(_ i: Int) -> Unicode.Scalar? { i < end ? scalars[i] : nil }
            // `nil` stands for "past the end of the piece" (no class at all).
            func cls(_ i: Int) -> CodepointClass? { i < end ? classes[i] : nil }
            var pos = piece.lowerBound
            var prev = pos
            func emit(_ upTo: Int) { if upTo > prev { out.append(prev..<upTo) }; prev = upTo }
            while pos < end {
                let c = contraction(at, pos, caseInsensitive: false)
                if c > 0 { pos += c; emit(pos); continue }
                let isSpace = scalars[pos] == " "
                let next = isSpace ? cls(pos + 1) : classes[pos]
                if let n = next, n.contains(.letter) || n.contains(.number) {
                    let kind: CodepointClass = n.contains(.letter) ? .letter : .number
                    if isSpace { pos += 1 }
                    while let k = cls(pos), k.contains(kind) { pos += 1 }
                    emit(pos); continue
                }
                if let n = next, n.isDisjoint(with: [.letter, .number, .whitespace]) {
                    if isSpace { pos += 1 }
                    while let k = cls(pos), k.isDisjoint(with: [.letter, .number, .whitespace]) { pos += 1 }
                    emit(pos); continue
                }
                var spaces = 0
                while let k = cls(pos + spaces), k.contains(.whitespace) { spaces += 1 }
                if spaces > 1 && pos + spaces < end {
                    pos += spaces - 1; emit(pos); continue   // \s+(?!\S): leave the last space to the next word
                }
                if spaces > 0 { pos += spaces; emit(pos); continue }
                pos += 1; emit(pos)
            }
        }
        return out
    }

    static func llama3(_ scalars: [Unicode.Scalar], _ classes: [CodepointClass], _ pieces: [Range<Int>], digitRun: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for piece in pieces {
            let end = piece.upperBound
            func at(_ i: Int) -> Unicode.Scalar? { i < end ? scalars[i] : nil }
            func cls(_ i: Int) -> CodepointClass? { i < end ? classes[i] : nil }
            func isNewline(_ i: Int) -> Bool { at(i) == "\r" || at(i) == "\n" }
            var pos = piece.lowerBound
            var prev = pos
            func emit(_ upTo: Int) { if upTo > prev { out.append(prev..<upTo) }; prev = upTo }
            while pos < end {
                let c = contraction(at, pos, caseInsensitive: true)
                if c > 0 { pos += c; emit(pos); continue }
                let here = classes[pos]
                // [^\r\n\p{L}\p{N}]?\p{L}+
                if !isNewline(pos) && !here.contains(.number) {
                    if here.contains(.letter) || (cls(pos + 1)?.contains(.letter) ?? false) {
                        pos += 1
                        while let k = cls(pos), k.contains(.letter) { pos += 1 }
                        emit(pos); continue
                    }
                }
                // \p{N}{1,digitRun}
                if here.contains(.number) {
                    var start = pos
                    while let k = cls(pos), k.contains(.number) {
                        pos += 1
                        if pos - start >= digitRun { emit(pos); start = pos }
                    }
                    emit(pos); continue
                }
                // <space>?[^\s\p{L}\p{N}]+[\r\n]*
                let isSpace = scalars[pos] == " "
                var next = isSpace ? cls(pos + 1) : here
                if let n = next, n.isDisjoint(with: [.letter, .number, .whitespace]) {
                    if isSpace { pos += 1 }
                    while let k = next, k.isDisjoint(with: [.letter, .number, .whitespace]) { pos += 1; next = cls(pos) }
                    while isNewline(pos) { pos += 1 }
                    emit(pos); continue
                }
                var spaces = 0
                var lastNewlineEnd = 0
                while let k = cls(pos + spaces), k.contains(.whitespace) {
                    if isNewline(pos + spaces) { lastNewlineEnd = pos + spaces + 1 }
                    spaces += 1
                }
                if lastNewlineEnd > 0 { pos = lastNewlineEnd; emit(pos); continue }   // \s*[\r\n]+
                if spaces > 1 && pos + spaces < end { pos += spaces - 1; emit(pos); continue }
                if spaces > 0 { pos += spaces; emit(pos); continue }
                pos += 1; emit(pos)
            }
        }
        return out
    }
}
