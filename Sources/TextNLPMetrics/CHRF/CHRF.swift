/// chrF and chrF++ as sacrebleu 2.6.0 computes them (`metrics/chrf.py`): character n-grams of
/// orders 1...6 (whitespace removed), plus word n-grams for chrF++, F-beta with beta 2.
public struct CHRF: Sendable {
    /// Character n-gram orders (sacrebleu's default; at most 6 are packed).
    public let charOrder = 6
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

    /// Reusable tables for scoring segments one after another.
    struct Scratch {
        var interner = SegmentInterner()
        var hyp = CountTable()
        var ref = CountTable()
    }

    /// Adds the character n-grams of orders 1...charOrder (code points packed 21 bits each, at most 6)
    /// and the word n-grams (order 100 + n) of a segment to `table`; returns the total count of each order.
    func addNGrams(_ text: String, to table: inout CountTable, interner: inout SegmentInterner) -> [Int] {
        var s = Array(text.unicodeScalars)
        if lowercase { s = PythonText.lower(s) }
        let chars: [UInt64] = whitespace ? s.map { UInt64($0.value) } : PythonText.split(s[...]).flatMap { $0.map { UInt64($0.value) } }
        var totals = [Int](repeating: 0, count: order)
        for n in 1...min(charOrder, 6) where chars.count >= n {
            for i in 0...(chars.count - n) {
                var a: UInt64 = 0, b: UInt64 = 0
                for k in 0..<n {
                    if k < 3 { a |= chars[i + k] << (21 * UInt64(k)) } else { b |= chars[i + k] << (21 * UInt64(k - 3)) }
                }
                table.add(a, b, UInt8(n))
            }
            totals[n - 1] = chars.count - n + 1
        }
        if wordOrder > 0 {
            let words = Self.wordsWithoutPunctuation(s).map { interner.id($0) }
            for n in 1...min(wordOrder, 4) where words.count >= n {
                for i in 0...(words.count - n) {
                    var a = UInt64(words[i]), b: UInt64 = 0
                    if n > 1 { a |= UInt64(words[i + 1]) << 32 }
                    if n > 2 { b = UInt64(words[i + 2]) }
                    if n > 3 { b |= UInt64(words[i + 3]) << 32 }
                    table.add(a, b, UInt8(100 + n))
                }
                totals[charOrder + n - 1] = words.count - n + 1
            }
        }
        return totals
    }

    private func index(_ n: UInt8) -> Int { n >= 100 ? charOrder + Int(n) - 101 : Int(n) - 1 }

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
    func segmentStatistics(_ hyp: String, _ refs: [String], scratch s: inout Scratch) -> Statistics {
        s.interner.reset()
        s.hyp.clear()
        let hypTotals = addNGrams(hyp, to: &s.hyp, interner: &s.interner)
        var best: Statistics = []
        var bestF = -1.0
        for ref in refs {
            s.ref.clear()
            let refTotals = addNGrams(ref, to: &s.ref, interner: &s.interner)
            var match = [Int](repeating: 0, count: order)
            for k in 0..<s.hyp.count {
                let (a, b, n, c) = s.hyp.entry(k)
                match[index(n)] += Int(min(c, s.ref.count(a, b, n)))
            }
            var stats: Statistics = []
            for i in 0..<order { stats += [refTotals[i] > 0 ? hypTotals[i] : 0, refTotals[i], match[i]] }
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
            var scratch = Scratch()
            return range.map { i in segmentStatistics(hypotheses[i], references.compactMap { i < $0.count ? $0[i] : nil }, scratch: &scratch) }
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
