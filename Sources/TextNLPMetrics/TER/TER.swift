/// TER as sacrebleu 2.6.0 computes it with its default options (`metrics/ter.py`): lowercased,
/// split on white space, no normalisation; edits include block shifts (`lib_ter.py`).
public struct TER: Sendable {
    public var caseSensitive = false

    public init(caseSensitive: Bool = false) {
        self.caseSensitive = caseSensitive
    }

    /// (best edit count over the references, mean reference length).
    public typealias Statistics = (edits: Double, refLength: Double)

    func words(_ text: String, table: inout TokenTable) -> [Int32] {
        var s = PythonText.rstrip(Array(text.unicodeScalars))
        if !caseSensitive { s = PythonText.lower(s) }
        return table.ids(PythonText.split(s[...]))
    }

    public func segmentStatistics(hypotheses: [String], references: [[String?]]) -> [Statistics] {
        parallelMap(hypotheses.count) { range in
            var table = TokenTable()
            return range.map { i in
            let refs = references.compactMap { i < $0.count ? $0[i] : nil }.map { words($0, table: &table) }
            let hyp = words(hypotheses[i], table: &table)
            // Word order for shift tie-breaking compares the words themselves, as Python compares lists of str.
            var best = Int(1e16), lengths = 0
            for ref in refs {
                let (edits, length) = TERAlgorithm.editRate(hyp, ref, table: table)
                lengths += length
                best = min(best, edits)
            }
            return (Double(best), refs.isEmpty ? 0 : Double(lengths) / Double(refs.count))
            }
        }
    }

    public func score(_ stats: [Statistics]) -> (score: Double, edits: Double, refLength: Double) {
        var edits = 0.0, length = 0.0
        for s in stats {
            edits += s.edits
            length += s.refLength
        }
        let score = length > 0 ? edits / length : (edits > 0 ? 1 : 0)
        return (100 * score, edits, length)
    }

    public func corpusScore(hypotheses: [String], references: [[String?]]) -> Double {
        score(segmentStatistics(hypotheses: hypotheses, references: references)).score
    }

    public func sentenceScore(hypothesis: String, references: [String]) -> Double {
        corpusScore(hypotheses: [hypothesis], references: references.map { [$0] })
    }

    public func signature(references: Int) -> String {
        "nrefs:\(references == -1 ? "var" : String(references))|case:\(caseSensitive ? "mixed" : "lc")|tok:tercom|norm:no|punct:yes|asian:no|version:\(sacrebleuVersion)"
    }
}
