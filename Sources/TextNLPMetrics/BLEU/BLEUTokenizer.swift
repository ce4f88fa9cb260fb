/// sacrebleu's BLEU tokenizers (`tokenizers/tokenizer_*.py` of sacrebleu 2.6.0), reproduced on
/// Unicode scalars. Each regular-expression substitution is a left-to-right scan with the same
/// non-overlapping matches as Python's `re.sub`.
public enum BLEUTokenizer: String, Sendable, CaseIterable {
    case thirteenA = "13a"
    case intl
    case char
    case none
    case zh

    /// The tokenized segment: its words are its runs of non-space characters (the single-space joining
    /// that sacrebleu ends with does not change them, so it is left to the caller's split).
    func callAsFunction(_ line: [Unicode.Scalar]) -> [Unicode.Scalar] {
        switch self {
        case .none: return line
        case .char: return Array(line.map { [$0] }.joined(separator: [" "]))  // every character a word
        case .thirteenA: return Self.regexp(Self.mteval13a(line))
        case .zh: return Self.regexp(Self.separateChinese(PythonText.strip(line)))
        case .intl: return Self.international(line)
        }
    }

    static func replace(_ s: [Unicode.Scalar], _ o: [Unicode.Scalar], _ n: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains(o[0]) else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if s[i] == o[0] && i + o.count <= s.count && s[i..<(i + o.count)].elementsEqual(o) {
                out += n
                i += o.count
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    /// The language-independent part of mteval-v13a.
    private static func scalars(_ s: String) -> [Unicode.Scalar] { Array(s.unicodeScalars) }
    private static let replacements: [([Unicode.Scalar], [Unicode.Scalar])] =
        [("<skipped>", ""), ("-\n", ""), ("\n", " ")].map { (scalars($0.0), scalars($0.1)) }
    private static let entities: [([Unicode.Scalar], [Unicode.Scalar])] =
        [("&quot;", "\""), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">")].map { (scalars($0.0), scalars($0.1)) }

    static func mteval13a(_ line: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s = line
        for (old, new) in replacements { s = replace(s, old, new) }
        if s.contains("&") {
            for (old, new) in entities { s = replace(s, old, new) }
        }
        s.insert(" ", at: 0)
        s.append(" ")
        return s
    }

    @inline(__always) static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
    @inline(__always) static func isPeriodOrComma(_ c: Unicode.Scalar) -> Bool { c == "." || c == "," }

    /// `[\{-\~\[-\` -\&\(-\+\:-\@\/]`
    @inline(__always) static func isMtevalPunct(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (0x7B...0x7E).contains(v) || (0x5B...0x60).contains(v) || (0x20...0x26).contains(v)
            || (0x28...0x2B).contains(v) || (0x3A...0x40).contains(v) || v == 0x2F
    }

    /// Where a substitution puts spaces around the two matched characters: " a b " minus the flagged ones.
    struct Spacing {
        var before = false, between = true, after = false
    }

    /// Substitutes every non-overlapping match of the two-character pattern (first)(second), left to right.
    static func pairs(_ s: [Unicode.Scalar], _ first: (Unicode.Scalar) -> Bool, _ second: (Unicode.Scalar) -> Bool,
                      _ spacing: Spacing) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count + 16)
        var i = 0
        while i < s.count {
            if i + 1 < s.count && first(s[i]) && second(s[i + 1]) {
                if spacing.before { out.append(" ") }
                out.append(s[i])
                if spacing.between { out.append(" ") }
                out.append(s[i + 1])
                if spacing.after { out.append(" ") }
                i += 2
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    /// sacrebleu's `TokenizerRegexp`, shared by 13a and zh.
    static func regexp(_ line: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s: [Unicode.Scalar] = []
        s.reserveCapacity(line.count * 2)
        for c in line {
            if isMtevalPunct(c) {
                s.append(" ")
                s.append(c)
                s.append(" ")
            } else {
                s.append(c)
            }
        }
        if s.contains(where: isPeriodOrComma) {
            s = pairs(s, { !isDigit($0) }, isPeriodOrComma, Spacing(after: true))
            s = pairs(s, isPeriodOrComma, { !isDigit($0) }, Spacing(before: true))
        }
        if s.contains("-") {
            s = pairs(s, isDigit, { $0 == "-" }, Spacing(after: true))
        }
        return s
    }

    @inline(__always) static func isNumber(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }

    @inline(__always) static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: true
        default: false
        }
    }

    @inline(__always) static func isSymbol(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: true
        default: false
        }
    }

    /// mteval-v14's international tokenization (`TokenizerV14International`).
    static func international(_ line: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s = pairs(line, { !isNumber($0) }, isPunctuation, Spacing(after: true))
        s = pairs(s, isPunctuation, { !isNumber($0) }, Spacing(before: true))
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for c in s {
            if isSymbol(c) { out += [" ", c, " "] } else { out.append(c) }
        }
        return out
    }

    /// The code point ranges of sacrebleu's `TokenizerZh`. Two of its ranges are written with
    /// two-character strings and so, compared as strings, cover U+2001–U+2A6D and U+2F81–U+2FA1.
    static let chineseRanges: [ClosedRange<UInt32>] = [
        0x3400...0x4DB5, 0x4E00...0x9FA5, 0x9FA6...0x9FBB, 0xF900...0xFA2D, 0xFA30...0xFA6A, 0xFA70...0xFAD9,
        0x2001...0x2A6D, 0x2F81...0x2FA1, 0xFF00...0xFFEF, 0x2E80...0x2EFF, 0x3000...0x303F, 0x31C0...0x31EF,
        0x2F00...0x2FDF, 0x2FF0...0x2FFF, 0x3100...0x312F, 0x31A0...0x31BF, 0xFE10...0xFE1F, 0xFE30...0xFE4F,
        0x2600...0x26FF, 0x2700...0x27BF, 0x3200...0x32FF, 0x3300...0x33FF,
    ]

    static func separateChinese(_ line: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        for c in line {
            if chineseRanges.contains(where: { $0.contains(c.value) }) { out += [" ", c, " "] } else { out.append(c) }
        }
        return out
    }
}
