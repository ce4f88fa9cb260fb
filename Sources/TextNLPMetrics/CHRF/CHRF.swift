/// chrF and chrF++ as sacrebleu 2.6.0 computes them (`metrics/chrf.py`): character n-grams of
/// orders 1...6 (whitespace removed), plus word n-grams for chrF++, F-beta with beta 2.
public struct CHRF: Sendable {
    public var charOrder = 6
    public var wordOrder = 0
    public var beta = 2
    public var lowercase = false
    public var whitespace = false
    public var epsSmoothing = false

    public init(wordOrder: Int = 0, lowercase: Bool = false) {
        self.wordOrder = wordOrder
        self.lowercase = lowercase
    }

    public var name: String { "chrF\(beta)" + String(repeating: "+", count: wordOrder) }
    var order: Int { charOrder + wordOrder }

    /// [hyp, ref, match] counts for each order, flattened.
    public typealias Statistics = [Int]

    static let punctuation: Set<UInt32> = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars.map(\.value))

    /// `_remove_punctuation`: splits one leading or trailing ASCII punctuation mark off each word.
    static func wordsWithoutPunctuation(_ s: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var out: [ArraySlice<Unicode.Scalar>] = []
        for w in PythonText.split(s[...]) {
            if w.count == 1 {
                out.append(w)
            } else if let last = w.last, punctuation.contains(last.value) {
                out.append(w.dropLast())
                out.append(w.suffix(1))
            } else if let first = w.first, punctuation.contains(first.value) {
                out.append(w.prefix(1))
                out.append(w.dropFirst())
            } else {
                out.append(w)
            }
        }
        return out
    }

    /// Counters of every order for one segment.
    func ngrams(_ text: String, table: inout TokenTable) -> [NGramCounts] {
        var s = Array(text.unicodeScalars)
        if lowercase { s = PythonText.lower(s) }
        let chars: [UInt32] = whitespace ? s.map(\.value) : PythonText.split(s[...]).flatMap { $0.map(\.value) }
        var counters: [NGramCounts] = []
        for n in 1...charOrder {
            var c: NGramCounts = [:]
            if chars.count >= n { for i in 0...(chars.count - n) { c[NGram(chars[i..<(i + n)]), default: 0] += 1 } }
            counters.append(c)
        }
        if wordOrder > 0 {
            let words = table.ids(Self.wordsWithoutPunctuation(s))
            for n in 1...wordOrder { counters.append(words.ngramCounts(order: n)) }
        }
        return counters
    }

    static func matchStatistics(_ hyp: NGramCounts, _ ref: NGramCounts) -> [Int] {
        var match = 0, hypCount = 0
        for (g, c) in hyp {
            hypCount += c
            if let r = ref[g] { match += min(c, r) }
        }
        return [ref.isEmpty ? 0 : hypCount, ref.values.reduce(0, +), match]
    }

    func fScore(_ stats: Statistics) -> Double {
        let eps = 1e-16
        var score = 0.0, effective = 0
        let factor = Double(beta * beta)
        var avgPrec = 0.0, avgRec = 0.0
        for i in 0..<order {
            let nHyp = stats[3 * i], nRef = stats[3 * i + 1], nMatch = stats[3 * i + 2]
            let prec = nHyp > 0 ? Double(nMatch) / Double(nHyp) : eps
            let rec = nRef > 0 ? Double(nMatch) / Double(nRef) : eps
            let denom = factor * prec + rec
            score += denom > 0 ? (1 + factor) * prec * rec / denom : eps
            if nHyp > 0 && nRef > 0 {
                avgPrec += prec
                avgRec += rec
                effective += 1
            }
        }
        if epsSmoothing { return 100 * score / Double(order) }
        if effective == 0 {
            avgPrec = 0
            avgRec = 0
        } else {
            avgPrec /= Double(effective)
            avgRec /= Double(effective)
        }
        if avgPrec + avgRec != 0 {
            var s = (1 + factor) * avgPrec * avgRec
            s /= (factor * avgPrec) + avgRec
            return 100 * s
        }
        return 0
    }

    /// Best statistics over the references (by F-score, first best kept).
    func segmentStatistics(_ hyp: String, _ refs: [String], table: inout TokenTable) -> Statistics {
        let h = ngrams(hyp, table: &table)
        var best: Statistics = []
        var bestF = -1.0
        for ref in refs {
            let r = ngrams(ref, table: &table)
            var stats: Statistics = []
            for (a, b) in zip(h, r) { stats += Self.matchStatistics(a, b) }
            let f = fScore(stats)
            if f > bestF {
                bestF = f
                best = stats
            }
        }
        return best
    }

    public func segmentStatistics(hypotheses: [String], references: [[String?]]) -> [Statistics] {
        parallelMap(hypotheses.count) { range in
            var table = TokenTable()
            return range.map { i in
                segmentStatistics(hypotheses[i], references.compactMap { i < $0.count ? $0[i] : nil }, table: &table)
            }
        }
    }

    public func corpusScore(hypotheses: [String], references: [[String?]]) -> Double {
        score(segmentStatistics(hypotheses: hypotheses, references: references))
    }

    /// The score of summed statistics (segments without references contribute nothing).
    public func score(_ stats: [Statistics]) -> Double {
        var total = [Int](repeating: 0, count: 3 * order)
        for s in stats where s.count == total.count { for i in s.indices { total[i] += s[i] } }
        return fScore(total)
    }

    public func sentenceScore(hypothesis: String, references: [String]) -> Double {
        corpusScore(hypotheses: [hypothesis], references: references.map { [$0] })
    }

    public func signature(references: Int) -> String {
        "nrefs:\(references == -1 ? "var" : String(references))|case:\(lowercase ? "lc" : "mixed")|eff:\(epsSmoothing ? "no" : "yes")|nc:\(charOrder)|nw:\(wordOrder)|space:\(whitespace ? "yes" : "no")|version:\(sacrebleuVersion)"
    }
}
