/// The Porter stemmer exactly as NLTK's `PorterStemmer()` (mode NLTK_EXTENSIONS) stems, which is
/// what rouge-score 0.1.2 uses with `use_stemmer=True`. Works on lowercase ASCII words.
struct PorterStemmer: Sendable {
    private static let irregular: [String: String] = [
        "sky": "sky", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie", "news": "news",
        "innings": "inning", "inning": "inning", "outings": "outing", "outing": "outing",
        "cannings": "canning", "canning": "canning", "howe": "howe", "proceed": "proceed",
        "exceed": "exceed", "succeed": "succeed",
    ]

    typealias Word = [UInt8]

    func stem(_ word: String) -> String {
        if let irregular = Self.irregular[word] { return irregular }
        var w = Array(word.utf8)
        if w.count <= 2 { return word }
        w = step1a(w)
        w = step1b(w)
        w = step1c(w)
        w = step2(w)
        w = step3(w)
        w = step4(w)
        w = step5a(w)
        w = step5b(w)
        return String(decoding: w, as: UTF8.self)
    }

    private static func isVowel(_ c: UInt8) -> Bool { c == 97 || c == 101 || c == 105 || c == 111 || c == 117 }
    private static let y: UInt8 = 121

    private func isConsonant(_ w: Word, _ i: Int) -> Bool {
        if Self.isVowel(w[i]) { return false }
        if w[i] == Self.y {
            var negate = false
            var i = i
            while i > 0 && w[i] == Self.y {
                negate.toggle()
                i -= 1
            }
            return !Self.isVowel(w[i]) != negate
        }
        return true
    }

    private func consonantFlags(_ w: ArraySlice<UInt8>) -> [Bool] {
        var flags: [Bool] = []
        for (i, c) in w.enumerated() {
            if Self.isVowel(c) { flags.append(false) } else if c == Self.y { flags.append(i == 0 ? true : !flags[i - 1]) } else { flags.append(true) }
        }
        return flags
    }

    private func measure(_ stem: ArraySlice<UInt8>) -> Int {
        let f = consonantFlags(stem)
        var m = 0
        if f.count >= 2 { for i in 1..<f.count where !f[i - 1] && f[i] { m += 1 } }
        return m
    }

    private func containsVowel(_ stem: ArraySlice<UInt8>) -> Bool { consonantFlags(stem).contains(false) }

    private func endsDoubleConsonant(_ w: Word) -> Bool {
        w.count >= 2 && w[w.count - 1] == w[w.count - 2] && isConsonant(w, w.count - 1)
    }

    private func endsCVC(_ w: Word) -> Bool {
        let n = w.count
        if n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1)
            && w[n - 1] != 119 && w[n - 1] != 120 && w[n - 1] != Self.y { return true }
        return n == 2 && !isConsonant(w, 0) && isConsonant(w, 1)
    }

    private func ends(_ w: Word, _ suffix: String) -> Bool {
        let s = Array(suffix.utf8)
        return w.count >= s.count && w[(w.count - s.count)...].elementsEqual(s)
    }

    private func drop(_ w: Word, _ suffix: String) -> Word { Array(w.dropLast(suffix.utf8.count)) }

    /// A rule: suffix, replacement, condition on the stem ("*d" is a double consonant).
    typealias Rule = (suffix: String, replacement: String, condition: ((Word) -> Bool)?)

    private func apply(_ w: Word, _ rules: [Rule]) -> Word {
        for rule in rules {
            if rule.suffix == "*d" && endsDoubleConsonant(w) {
                let stem = Array(w.dropLast(2))
                return rule.condition.map { $0(stem) } ?? true ? stem + Array(rule.replacement.utf8) : w
            }
            if ends(w, rule.suffix) {
                let stem = drop(w, rule.suffix)
                return rule.condition.map { $0(stem) } ?? true ? stem + Array(rule.replacement.utf8) : w
            }
        }
        return w
    }

    private func positive(_ s: Word) -> Bool { measure(s[...]) > 0 }

    private func step1a(_ w: Word) -> Word {
        if ends(w, "ies") && w.count == 4 { return drop(w, "ies") + Array("ie".utf8) }
        return apply(w, [("sses", "ss", nil), ("ies", "i", nil), ("ss", "ss", nil), ("s", "", nil)])
    }

    private func step1b(_ w: Word) -> Word {
        if ends(w, "ied") { return drop(w, "ied") + Array((w.count == 4 ? "ie" : "i").utf8) }
        if ends(w, "eed") {
            let stem = drop(w, "eed")
            return measure(stem[...]) > 0 ? stem + Array("ee".utf8) : w
        }
        var intermediate: Word?
        for suffix in ["ed", "ing"] where ends(w, suffix) {
            let stem = drop(w, suffix)
            if containsVowel(stem[...]) { intermediate = stem; break }
        }
        guard let stem = intermediate, let last = stem.last else { return w }
        return apply(stem, [
            ("at", "ate", nil), ("bl", "ble", nil), ("iz", "ize", nil),
            ("*d", String(UnicodeScalar(last)), { _ in last != 108 && last != 115 && last != 122 }),
            ("", "e", { s in self.measure(s[...]) == 1 && self.endsCVC(s) }),
        ])
    }

    private func step1c(_ w: Word) -> Word {
        apply(w, [("y", "i", { s in s.count > 1 && self.isConsonant(s, s.count - 1) })])
    }

    private func step2(_ w: Word) -> Word {
        if ends(w, "alli") && positive(drop(w, "alli")) { return step2(drop(w, "alli") + Array("al".utf8)) }
        let p: (Word) -> Bool = { self.positive($0) }
        let rules: [Rule] = [
            ("ational", "ate", p), ("tional", "tion", p), ("enci", "ence", p), ("anci", "ance", p),
            ("izer", "ize", p), ("bli", "ble", p), ("alli", "al", p), ("entli", "ent", p), ("eli", "e", p),
            ("ousli", "ous", p), ("ization", "ize", p), ("ation", "ate", p), ("ator", "ate", p),
            ("alism", "al", p), ("iveness", "ive", p), ("fulness", "ful", p), ("ousness", "ous", p),
            ("aliti", "al", p), ("iviti", "ive", p), ("biliti", "ble", p), ("fulli", "ful", p),
            ("logi", "log", { _ in self.positive(Array(w.dropLast(3))) }),
        ]
        return apply(w, rules)
    }

    private func step3(_ w: Word) -> Word {
        let p: (Word) -> Bool = { self.positive($0) }
        return apply(w, [("icate", "ic", p), ("ative", "", p), ("alize", "al", p), ("iciti", "ic", p),
                         ("ical", "ic", p), ("ful", "", p), ("ness", "", p)])
    }

    private func step4(_ w: Word) -> Word {
        let gt1: (Word) -> Bool = { self.measure($0[...]) > 1 }
        return apply(w, [
            ("al", "", gt1), ("ance", "", gt1), ("ence", "", gt1), ("er", "", gt1), ("ic", "", gt1),
            ("able", "", gt1), ("ible", "", gt1), ("ant", "", gt1), ("ement", "", gt1), ("ment", "", gt1),
            ("ent", "", gt1), ("ion", "", { s in self.measure(s[...]) > 1 && (s.last == 115 || s.last == 116) }),
            ("ou", "", gt1), ("ism", "", gt1), ("ate", "", gt1), ("iti", "", gt1), ("ous", "", gt1),
            ("ive", "", gt1), ("ize", "", gt1),
        ])
    }

    private func step5a(_ w: Word) -> Word {
        guard ends(w, "e") else { return w }
        let stem = drop(w, "e")
        if measure(stem[...]) > 1 { return stem }
        if measure(stem[...]) == 1 && !endsCVC(stem) { return stem }
        return w
    }

    private func step5b(_ w: Word) -> Word {
        apply(w, [("ll", "l", { _ in self.measure(w.dropLast(1)) > 1 })])
    }
}
