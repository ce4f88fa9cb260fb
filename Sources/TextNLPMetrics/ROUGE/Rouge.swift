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
        parallelMap(predictions.count) { range in range.map { score(targets: targets[$0], prediction: predictions[$0]) } }
    }

    /// rouge-score's `tokenize.tokenize`.
    func tokens(_ text: some Sequence<Unicode.Scalar>) -> [String] {
        var out: [String] = []
        var current: [UInt8] = []
        func flush() {
            guard !current.isEmpty else { return }
            let word = String(decoding: current, as: UTF8.self)
            out.append(useStemmer && current.count > 3 ? stemmer.stem(word) : word)
            current.removeAll(keepingCapacity: true)
        }
        for c in PythonText.lower(Array(text)) {
            let v = c.value
            if (v >= 97 && v <= 122) || (v >= 48 && v <= 57) { current.append(UInt8(v)) } else { flush() }
        }
        flush()
        return out
    }

    /// Scores of a prediction against one target.
    public func score(target: String, prediction: String) -> [Kind: Score] {
        var table = [String: Int32]()
        func ids(_ t: [String]) -> [Int32] {
            t.map { w in
                if let id = table[w] { return id }
                let id = Int32(table.count)
                table[w] = id
                return id
            }
        }
        let t = ids(tokens(target.unicodeScalars)), p = ids(tokens(prediction.unicodeScalars))
        var result: [Kind: Score] = [:]
        for kind in kinds {
            switch kind {
            case .rouge1: result[kind] = Self.ngramScore(t, p, n: 1)
            case .rouge2: result[kind] = Self.ngramScore(t, p, n: 2)
            case .rougeL: result[kind] = Self.lcsScore(t, p)
            case .rougeLsum:
                func sentences(_ s: String) -> [[Int32]] {
                    s.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: true).map { ids(tokens($0)) }
                }
                result[kind] = Self.summaryLCS(sentences(target), sentences(prediction))
            }
        }
        return result
    }

    /// The best score over several targets, per kind, by F-measure (the first best on ties).
    public func score(targets: [String], prediction: String) -> [Kind: Score] {
        let all = targets.map { score(target: $0, prediction: prediction) }
        var best: [Kind: Score] = [:]
        for kind in kinds {
            var top: Score?
            for s in all { if let v = s[kind], top.map({ v.fmeasure > $0.fmeasure }) ?? true { top = v } }
            best[kind] = top ?? .zero
        }
        return best
    }

    static func ngramScore(_ t: [Int32], _ p: [Int32], n: Int) -> Score {
        let tc = t.ngramCounts(order: n), pc = p.ngramCounts(order: n)
        var overlap = 0
        for (g, c) in tc { overlap += min(c, pc[g] ?? 0) }
        let tTotal = tc.values.reduce(0, +), pTotal = pc.values.reduce(0, +)
        return Score(precision: Double(overlap) / Double(max(pTotal, 1)), recall: Double(overlap) / Double(max(tTotal, 1)))
    }

    static func lcsTable(_ r: [Int32], _ c: [Int32]) -> [[Int]] {
        var t = [[Int]](repeating: [Int](repeating: 0, count: c.count + 1), count: r.count + 1)
        for i in 1..<(r.count + 1) {
            for j in 1..<(c.count + 1) {
                t[i][j] = r[i - 1] == c[j - 1] ? t[i - 1][j - 1] + 1 : max(t[i - 1][j], t[i][j - 1])
            }
        }
        return t
    }

    static func lcsScore(_ t: [Int32], _ p: [Int32]) -> Score {
        guard !t.isEmpty, !p.isEmpty else { return .zero }
        let l = lcsLength(t, p)
        return Score(precision: Double(l) / Double(p.count), recall: Double(l) / Double(t.count))
    }

    /// LCS length in linear memory.
    static func lcsLength(_ a: [Int32], _ b: [Int32]) -> Int {
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
    static func lcsIndices(_ r: [Int32], _ c: [Int32]) -> [Int] {
        guard !r.isEmpty, !c.isEmpty else { return [] }
        let t = lcsTable(r, c)
        var i = r.count, j = c.count
        var out: [Int] = []
        while i > 0 && j > 0 {
            if r[i - 1] == c[j - 1] {
                out.append(i - 1)
                i -= 1
                j -= 1
            } else if t[i][j - 1] > t[i - 1][j] {
                j -= 1
            } else {
                i -= 1
            }
        }
        return out.reversed()
    }

    static func summaryLCS(_ refs: [[Int32]], _ cands: [[Int32]]) -> Score {
        guard !refs.isEmpty, !cands.isEmpty else { return .zero }
        let m = refs.reduce(0) { $0 + $1.count }, n = cands.reduce(0) { $0 + $1.count }
        guard m > 0, n > 0 else { return .zero }
        var countR: [Int32: Int] = [:], countC: [Int32: Int] = [:]
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
