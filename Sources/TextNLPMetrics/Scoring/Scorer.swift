import Foundation

/// Every metric of `textnlp score` behind one call: BLEU, chrF, chrF++ and TER as sacrebleu 2.6.0 computes
/// them (with its signatures), ROUGE as rouge-score 0.1.2, and the dataset metrics (distinct-n, self-BLEU,
/// length statistics, duplicates).
public struct Scorer: Sendable {
    public enum Metric: String, CaseIterable, Sendable {
        case bleu, chrf, chrfpp = "chrf++", ter, rouge, distinct, selfBLEU = "self-bleu", length, dedup
        public var needsReferences: Bool { [.bleu, .chrf, .chrfpp, .ter, .rouge].contains(self) }
    }

    public var tokenizer: BLEUTokenizer = .thirteenA
    public var smoothing: BLEU.Smoothing = .exp
    public var smoothValue: Double?
    public var lowercase = false
    public var stem = false
    /// Also score each segment.
    public var sentence = false

    public init() {}

    /// Scores `hypotheses` against `references` (references[k][i]: the k-th reference of segment i, nil when
    /// segment i has fewer).
    public func score(_ metric: Metric, hypotheses: [String], references: [[String?]]) -> MetricScore {
        switch metric {
        case .bleu: return bleu(hypotheses, references)
        case .chrf, .chrfpp: return chrf(hypotheses, references, wordOrder: metric == .chrfpp ? 2 : 0)
        case .ter: return ter(hypotheses, references)
        case .rouge: return rouge(hypotheses, references)
        case .distinct:
            let v = (1...3).map { Diversity.distinct(hypotheses, n: $0) }
            return MetricScore(corpus: [("name", .string("distinct")), ("distinct-1", .number(v[0])), ("distinct-2", .number(v[1])), ("distinct-3", .number(v[2]))],
                               text: String(format: "distinct-1 = %.4f  distinct-2 = %.4f  distinct-3 = %.4f", v[0], v[1], v[2]))
        case .selfBLEU:
            let v = Diversity.selfBLEU(hypotheses)
            return MetricScore(corpus: [("name", .string("self-bleu")), ("score", .number(v)), ("sample", .int(min(200, hypotheses.count)))],
                               text: String(format: "self-BLEU = %.2f", v))
        case .length:
            let s = LengthStatistics(hypotheses)
            func d(_ x: LengthStatistics.Summary) -> ScoreValue {
                .object([("mean", .number(x.mean)), ("p50", .number(x.p50)), ("p95", .number(x.p95)), ("max", .int(x.max))])
            }
            return MetricScore(corpus: [("name", .string("length")), ("count", .int(s.count)), ("characters", d(s.characters)), ("words", d(s.words))],
                               text: String(format: "characters: mean %.1f p50 %.1f p95 %.1f max %d\nwords: mean %.1f p50 %.1f p95 %.1f max %d",
                                            s.characters.mean, s.characters.p50, s.characters.p95, s.characters.max,
                                            s.words.mean, s.words.p50, s.words.p95, s.words.max))
        case .dedup:
            let d = Deduplication()
            let r = d.report(hypotheses)
            return MetricScore(
                corpus: [("name", .string("dedup")), ("count", .int(r.count)), ("exact_duplicates", .int(r.exactDuplicates)), ("exact_rate", .number(r.exactRate)),
                         ("near_duplicates", .int(r.nearDuplicates)), ("near_rate", .number(r.nearRate)),
                         ("minhash", .object([("shingle_words", .int(d.shingleSize)), ("permutations", .int(d.permutations)), ("bands", .int(d.bands)),
                                              ("threshold", .number(d.threshold))]))],
                text: String(format: "exact duplicates: %d (%.2f%%)  near duplicates: %d (%.2f%%) of %d",
                             r.exactDuplicates, 100 * r.exactRate, r.nearDuplicates, 100 * r.nearRate, r.count))
        }
    }

    /// References per segment, or -1 when it varies (sacrebleu's `nrefs:var`).
    public static func referenceCount(_ hypotheses: [String], _ references: [[String?]]) -> Int {
        var common: Int?
        for i in hypotheses.indices {
            var n = 0
            for stream in references where i < stream.count && stream[i] != nil { n += 1 }
            if common == nil { common = n } else if common != n { return -1 }
        }
        return common ?? 0
    }

    private func refs(_ references: [[String?]], _ i: Int) -> [String] { references.compactMap { i < $0.count ? $0[i] : nil } }

    private func bleu(_ hyps: [String], _ references: [[String?]]) -> MetricScore {
        let corpus = BLEU(tokenizer: tokenizer, smoothing: smoothing, smoothValue: smoothValue, lowercase: lowercase)
        let s = corpus.corpusScore(hypotheses: hyps, references: references)
        let sig = corpus.signature(references: Self.referenceCount(hyps, references))
        var out = MetricScore(
            corpus: [("name", .string("BLEU")), ("score", .number(s.score)), ("signature", .string(sig)), ("precisions", .numbers(s.precisions)),
                     ("bp", .number(s.bp)), ("ratio", .number(s.ratio)), ("hyp_len", .int(s.hypLength)), ("ref_len", .int(s.refLength)),
                     ("counts", .ints(s.counts)), ("totals", .ints(s.totals)), ("verbose_score", .string(s.verbose))],
            text: "BLEU|\(sig) = " + String(format: "%.2f ", s.score) + s.verbose)
        if sentence {
            // sacrebleu's sentence settings: effective order on; smoothing as asked.
            let per = BLEU(tokenizer: tokenizer, smoothing: smoothing, smoothValue: smoothValue, lowercase: lowercase, effectiveOrder: true)
            out.segments = hyps.enumerated().map { i, h in
                let s = per.sentenceScore(hypothesis: h, references: refs(references, i))
                return ([("segment", .int(i + 1)), ("score", .number(s.score)), ("precisions", .numbers(s.precisions)), ("bp", .number(s.bp))],
                        String(format: "%d\t%.2f", i + 1, s.score))
            }
        }
        return out
    }

    private func chrf(_ hyps: [String], _ references: [[String?]], wordOrder: Int) -> MetricScore {
        let m = CHRF(wordOrder: wordOrder, lowercase: lowercase)
        let s = m.corpusScore(hypotheses: hyps, references: references)
        let sig = m.signature(references: Self.referenceCount(hyps, references))
        var out = MetricScore(corpus: [("name", .string(m.name)), ("score", .number(s)), ("signature", .string(sig))],
                              text: "\(m.name)|\(sig) = " + String(format: "%.2f", s))
        if sentence {
            out.segments = hyps.enumerated().map { i, h in
                let s = m.sentenceScore(hypothesis: h, references: refs(references, i))
                return ([("segment", .int(i + 1)), ("score", .number(s))], String(format: "%d\t%.2f", i + 1, s))
            }
        }
        return out
    }

    private func ter(_ hyps: [String], _ references: [[String?]]) -> MetricScore {
        let m = TER()
        let stats = m.segmentStatistics(hypotheses: hyps, references: references)
        let s = m.score(stats)
        let sig = m.signature(references: Self.referenceCount(hyps, references))
        var out = MetricScore(corpus: [("name", .string("TER")), ("score", .number(s.score)), ("signature", .string(sig)),
                                       ("num_edits", .number(s.edits)), ("ref_length", .number(s.refLength))],
                              text: "TER|\(sig) = " + String(format: "%.2f", s.score))
        if sentence {
            out.segments = stats.enumerated().map { i, st in
                let s = m.score([st]).score
                return ([("segment", .int(i + 1)), ("score", .number(s)), ("edits", .number(st.edits)), ("ref_length", .number(st.refLength))],
                        String(format: "%d\t%.2f", i + 1, s))
            }
        }
        return out
    }

    private func rouge(_ hyps: [String], _ references: [[String?]]) -> MetricScore {
        let rouge = Rouge(useStemmer: stem)
        let kinds = Rouge.Kind.allCases
        var sums = [(p: Double, r: Double, f: Double)](repeating: (0, 0, 0), count: kinds.count)
        let all = rouge.scores(targets: hyps.indices.map { refs(references, $0) }, predictions: hyps)
        var segments: [(fields: [(String, ScoreValue)], text: String)] = []
        for (i, s) in all.enumerated() {
            for (k, kind) in kinds.enumerated() {
                guard let v = s[kind] else { continue }
                sums[k].p += v.precision
                sums[k].r += v.recall
                sums[k].f += v.fmeasure
            }
            if sentence {
                var fields: [(String, ScoreValue)] = [("segment", .int(i + 1))]
                for kind in kinds { if let v = s[kind] { fields.append((kind.rawValue, Self.prf(v.precision, v.recall, v.fmeasure))) } }
                segments.append((fields, "\(i + 1)\t" + kinds.map { String(format: "%@ %.4f", $0.rawValue, s[$0]?.fmeasure ?? 0) }.joined(separator: "  ")))
            }
        }
        let n = Double(max(hyps.count, 1))
        var corpus: [(String, ScoreValue)] = [("name", .string("ROUGE")), ("stemmer", .bool(stem)), ("segments", .int(hyps.count)), ("version", .string("rouge-score 0.1.2"))]
        var lines: [String] = []
        for (i, k) in kinds.enumerated() {
            let (p, r, f) = sums[i]
            corpus.append((k.rawValue, Self.prf(p / n, r / n, f / n)))
            lines.append(String(format: "%@\tP %.4f  R %.4f  F %.4f", k.rawValue, p / n, r / n, f / n))
        }
        return MetricScore(corpus: corpus, text: lines.joined(separator: "\n"), segments: segments)
    }

    static func prf(_ p: Double, _ r: Double, _ f: Double) -> ScoreValue {
        .object([("precision", .number(p)), ("recall", .number(r)), ("fmeasure", .number(f))])
    }
}
