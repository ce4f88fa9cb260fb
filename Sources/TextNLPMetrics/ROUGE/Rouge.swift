/// ROUGE-N, ROUGE-L and ROUGE-Lsum as rouge-score 0.1.2 computes them (`rouge_scorer.py`),
/// with its default tokenizer (lowercase, runs of [a-z0-9]) and optional Porter stemmer.
public struct Rouge: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case rouge1, rouge2, rougeL, rougeLsum
    }

    public struct Score: Sendable, Equatable {
        public var precision: Double
        public var recall: Double
        public var fmeasure: Double

        static let zero = Score(precision: 0, recall: 0, fmeasure: 0)

        init(precision: Double, recall: Double, fmeasure: Double) {
            self.precision = precision
            self.recall = recall
            self.fmeasure = fmeasure
        }

        init(precision: Double, recall: Double) {
            self.init(precision: precision, recall: recall,
                      fmeasure: precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0)
        }
    }

    public var kinds: [Kind]
    public var useStemmer: Bool
    private let stemmer = PorterStemmer()

    public init(kinds: [Kind] = Kind.allCases, useStemmer: Bool = false) {
        self.kinds = kinds
        self.useStemmer = useStemmer
    }

    /// Best scores of each prediction against its targets, computed in parallel.
    public func scores(targets: [[String]], predictions: [String]) -> [[Kind: Score]] {
        parallelMap(predictions.count) { range in
            let scratch = Scratch()
            return range.map { score(targets: targets[$0], prediction: predictions[$0], scratch: scratch) }
        }
    }

    /// Reusable state for scoring many pairs.
    final class Scratch {
        var interner = SegmentInterner()
        let target = CountTable(capacity: 64)
        let prediction = CountTable(capacity: 64)
    }

    /// rouge-score's `tokenize.tokenize` on an ASCII string's bytes (no stemming), or nil when the
    /// text is not ASCII or stemming is on.
    func asciiTokenIDs(_ text: String, _ interner: inout SegmentInterner) -> [UInt32]? {
        guard !useStemmer else { return nil }
        var text = text
        return text.withUTF8 { bytes -> [UInt32]? in
            var out: [UInt32] = []
            var start = -1
            var lowered = [UInt8](repeating: 0, count: bytes.count)
            for i in 0...bytes.count {
                var c: UInt8 = 32
                if i < bytes.count {
                    c = bytes[i]
                    if c >= 0x80 { return nil }
                    if c >= 65 && c <= 90 { c += 32 }
                    lowered[i] = c
                }
                let word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57)
                if word && start < 0 { start = i }
                if !word && start >= 0 {
                    out.append(lowered.withUnsafeBufferPointer { interner.id(UnsafeBufferPointer(rebasing: $0[start..<i])) })
                    start = -1
                }
            }
            return out
        }
    }

    /// rouge-score's `tokenize.tokenize`, as interned ids.
    func tokenIDs(_ text: some Sequence<Unicode.Scalar>, _ interner: inout SegmentInterner) -> [UInt32] {
        var out: [UInt32] = []
        var current: [Unicode.Scalar] = []
        func flush() {
            guard !current.isEmpty else { return }
            if useStemmer && current.count > 3 {
                let stemmed = stemmer.stem(String(String.UnicodeScalarView(current)))
                out.append(interner.id(Array(stemmed.unicodeScalars)[...]))
            } else {
                out.append(interner.id(current[...]))
            }
            current.removeAll(keepingCapacity: true)
        }
        for c in PythonText.lower(Array(text)) {
            let v = c.value
            if (v >= 97 && v <= 122) || (v >= 48 && v <= 57) { current.append(c) } else { flush() }
        }
        flush()
        return out
    }

    /// Scores of a prediction against one target.
    public func score(target: String, prediction: String) -> [Kind: Score] {
        score(target: target, prediction: prediction, scratch: Scratch())
    }

    func score(target: String, prediction: String, scratch: Scratch) -> [Kind: Score] {
        scratch.interner.reset()
        let t = asciiTokenIDs(target, &scratch.interner) ?? tokenIDs(target.unicodeScalars, &scratch.interner)
        let p = asciiTokenIDs(prediction, &scratch.interner) ?? tokenIDs(prediction.unicodeScalars, &scratch.interner)
        let singleSentences = !target.utf8.contains(10) && !prediction.utf8.contains(10)
        var result: [Kind: Score] = [:]
        for kind in kinds {
            switch kind {
            case .rouge1: result[kind] = ngramScore(t, p, n: 1, scratch)
            case .rouge2: result[kind] = ngramScore(t, p, n: 2, scratch)
            case .rougeL: result[kind] = Self.lcsScore(t, p)
            case .rougeLsum where singleSentences:
                // One sentence on each side: the summary-level LCS is the LCS (every LCS token is
                // counted in both texts), so ROUGE-Lsum equals ROUGE-L.
                result[kind] = result[.rougeL] ?? Self.lcsScore(t, p)
            case .rougeLsum:
                func sentences(_ s: String, _ whole: [UInt32]) -> [[UInt32]] {
                    // Without a newline the one sentence is the whole text, already tokenized.
                    guard s.utf8.contains(10) else { return s.isEmpty ? [] : [whole] }
                    return s.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: true).map { tokenIDs($0, &scratch.interner) }
                }
                result[kind] = Self.summaryLCS(sentences(target, t), sentences(prediction, p))
            }
        }
        return result
    }

    /// The best score over several targets, per kind, by F-measure (the first best on ties).
    public func score(targets: [String], prediction: String) -> [Kind: Score] {
        score(targets: targets, prediction: prediction, scratch: Scratch())
    }

    func score(targets: [String], prediction: String, scratch: Scratch) -> [Kind: Score] {
        if targets.count == 1 { return score(target: targets[0], prediction: prediction, scratch: scratch) }
        let all = targets.map { score(target: $0, prediction: prediction, scratch: scratch) }
        var best: [Kind: Score] = [:]
        for kind in kinds {
            var top: Score?
            for s in all { if let v = s[kind], top.map({ v.fmeasure > $0.fmeasure }) ?? true { top = v } }
            best[kind] = top ?? .zero
        }
        return best
    }

    func ngramScore(_ t: [UInt32], _ p: [UInt32], n: Int, _ s: Scratch) -> Score {
        func fill(_ ids: [UInt32], _ table: CountTable) -> Int {
            table.clear()
            guard ids.count >= n else { return 0 }
            for i in 0...(ids.count - n) {
                table.add(UInt64(ids[i]) | (n > 1 ? UInt64(ids[i + 1]) << 32 : 0), 0, UInt8(n))
            }
            return ids.count - n + 1
        }
        let tTotal = fill(t, s.target), pTotal = fill(p, s.prediction)
        var overlap = 0
        for k in 0..<s.target.count {
            let (a, b, order, c) = s.target.entry(k)
            overlap += Int(min(c, s.prediction.count(a, b, order)))
        }
        return Score(precision: Double(overlap) / Double(max(pTotal, 1)), recall: Double(overlap) / Double(max(tTotal, 1)))
    }

    /// The LCS table, flat: entry (i, j) at i·(c.count + 1) + j.
    static func lcsTable(_ r: [UInt32], _ c: [UInt32]) -> [Int32] {
        let w = c.count + 1
        var t = [Int32](repeating: 0, count: (r.count + 1) * w)
        for i in 1..<(r.count + 1) {
            for j in 1..<w {
                t[i * w + j] = r[i - 1] == c[j - 1] ? t[(i - 1) * w + j - 1] + 1 : max(t[(i - 1) * w + j], t[i * w + j - 1])
            }
        }
        return t
    }

    static func lcsScore(_ t: [UInt32], _ p: [UInt32]) -> Score {
        guard !t.isEmpty, !p.isEmpty else { return .zero }
        let l = lcsLength(t, p)
        return Score(precision: Double(l) / Double(p.count), recall: Double(l) / Double(t.count))
    }

    /// LCS length in linear memory.
    static func lcsLength(_ a: [UInt32], _ b: [UInt32]) -> Int {
        var prev = [Int](repeating: 0, count: b.count + 1), cur = prev
        for i in 1...a.count {
            for j in 1...b.count {
                cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : max(prev[j], cur[j - 1])
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    /// Indices in `r` of one LCS with `c`, chosen as rouge-score's `_backtrack_norec` chooses.
    static func lcsIndices(_ r: [UInt32], _ c: [UInt32]) -> [Int] {
        guard !r.isEmpty, !c.isEmpty else { return [] }
        let t = lcsTable(r, c), w = c.count + 1
        var i = r.count, j = c.count
        var out: [Int] = []
        while i > 0 && j > 0 {
            if r[i - 1] == c[j - 1] {
                out.append(i - 1)
                i -= 1
                j -= 1
            } else if t[i * w + j - 1] > t[(i - 1) * w + j] {
                j -= 1
            } else {
                i -= 1
            }
        }
        return out.reversed()
    }

    static func summaryLCS(_ refs: [[UInt32]], _ cands: [[UInt32]]) -> Score {
        guard !refs.isEmpty, !cands.isEmpty else { return .zero }
        let m = refs.reduce(0) { $0 + $1.count }, n = cands.reduce(0) { $0 + $1.count }
        guard m > 0, n > 0 else { return .zero }
        var countR: [UInt32: Int] = [:], countC: [UInt32: Int] = [:]
        for s in refs { for t in s { countR[t, default: 0] += 1 } }
        for s in cands { for t in s { countC[t, default: 0] += 1 } }
        var hits = 0
        for r in refs {
            let union = Set(cands.flatMap { lcsIndices(r, $0) }).sorted()
            for i in union {
                let t = r[i]
                if countC[t, default: 0] > 0 && countR[t, default: 0] > 0 {
                    hits += 1
                    countC[t, default: 0] -= 1
                    countR[t, default: 0] -= 1
                }
            }
        }
        return Score(precision: Double(hits) / Double(n), recall: Double(hits) / Double(m))
    }
}
