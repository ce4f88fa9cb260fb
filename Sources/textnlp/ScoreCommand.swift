import ArgumentParser
import Foundation
import TextNLPMetrics

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score generated text: BLEU, chrF, chrF++, TER (as sacrebleu 2.6.0), ROUGE (as rouge-score 0.1.2), and dataset metrics.",
        discussion: "METRIC is one of: bleu, chrf, chrf++, ter, rouge, distinct, self-bleu, length, dedup."
    )

    enum Metric: String, ExpressibleByArgument, CaseIterable {
        case bleu, chrf, chrfpp = "chrf++", ter, rouge, distinct, selfBLEU = "self-bleu", length, dedup
        var needsReferences: Bool { [.bleu, .chrf, .chrfpp, .ter, .rouge].contains(self) }
    }

    @Argument(help: "The metric.")
    var metric: Metric
    @Option(help: "Hypotheses, one segment a line.")
    var hyp: String?
    @Option(help: "References, one segment a line, paired with --hyp (repeat for several references).")
    var ref: [String] = []
    @Option(help: "A JSONL file whose objects carry the hypothesis and the reference(s).")
    var jsonl: String?
    @Option(help: "JSONL field of the hypothesis.")
    var hypField: String = "hypothesis"
    @Option(help: "JSONL field of the reference: a string or an array of strings.")
    var refField: String = "reference"
    @Option(help: "BLEU tokenizer: 13a, intl, char, none, zh.")
    var tokenize: String = "13a"
    @Option(help: "BLEU smoothing: exp, floor, add-k, none.")
    var smooth: String?
    @Option(help: "Value for floor or add-k smoothing.")
    var smoothValue: Double?
    @Flag(help: "Lowercase before scoring (BLEU, chrF).")
    var lowercase = false
    @Flag(help: "ROUGE: apply the Porter stemmer.")
    var stem = false
    @Flag(help: "Also score each segment (sentence-level).")
    var sentence = false
    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (hyp == nil) != (jsonl == nil) else { throw ValidationError("give either --hyp FILE (with --ref FILE) or --jsonl FILE") }
        if metric.needsReferences && hyp != nil && ref.isEmpty { throw ValidationError("\(metric.rawValue) needs --ref FILE") }
        guard BLEUTokenizer(rawValue: tokenize) != nil else { throw ValidationError("--tokenize must be one of 13a, intl, char, none, zh") }
        if let smooth, BLEU.Smoothing(rawValue: smooth) == nil { throw ValidationError("--smooth must be one of exp, floor, add-k, none") }
    }

    func run() throws {
        let inputs: ScoreInputs
        if let hyp {
            inputs = try .lineFiles(hyp: hyp, refs: ref)
        } else {
            inputs = try .jsonl(path: jsonl ?? "", hypField: hypField, refField: metric.needsReferences ? refField : nil)
        }
        let out = ScoreOutput(json: json)
        switch metric {
        case .bleu: try scoreBLEU(inputs, out)
        case .chrf, .chrfpp: try scoreCHRF(inputs, out, wordOrder: metric == .chrfpp ? 2 : 0)
        case .ter: try scoreTER(inputs, out)
        case .rouge: try scoreRouge(inputs, out)
        case .distinct:
            let values = (1...3).map { Diversity.distinct(inputs.hypotheses, n: $0) }
            try out.emit(["name": "distinct", "distinct-1": values[0], "distinct-2": values[1], "distinct-3": values[2]],
                         text: String(format: "distinct-1 = %.4f  distinct-2 = %.4f  distinct-3 = %.4f", values[0], values[1], values[2]))
        case .selfBLEU:
            let v = Diversity.selfBLEU(inputs.hypotheses)
            try out.emit(["name": "self-bleu", "score": v, "sample": min(200, inputs.hypotheses.count)], text: String(format: "self-BLEU = %.2f", v))
        case .length:
            let s = LengthStatistics(inputs.hypotheses)
            func d(_ x: LengthStatistics.Summary) -> [String: Any] { ["mean": x.mean, "p50": x.p50, "p95": x.p95, "max": x.max] }
            try out.emit(["name": "length", "count": s.count, "characters": d(s.characters), "words": d(s.words)],
                         text: String(format: "characters: mean %.1f p50 %.1f p95 %.1f max %d\nwords: mean %.1f p50 %.1f p95 %.1f max %d",
                                      s.characters.mean, s.characters.p50, s.characters.p95, s.characters.max,
                                      s.words.mean, s.words.p50, s.words.p95, s.words.max))
        case .dedup:
            let d = Deduplication()
            let r = d.report(inputs.hypotheses)
            try out.emit(["name": "dedup", "count": r.count, "exact_duplicates": r.exactDuplicates, "exact_rate": r.exactRate,
                          "near_duplicates": r.nearDuplicates, "near_rate": r.nearRate,
                          "minhash": ["shingle_words": d.shingleSize, "permutations": d.permutations, "bands": d.bands, "threshold": d.threshold]],
                         text: String(format: "exact duplicates: %d (%.2f%%)  near duplicates: %d (%.2f%%) of %d", r.exactDuplicates, 100 * r.exactRate, r.nearDuplicates, 100 * r.nearRate, r.count))
        }
    }

    func scoreBLEU(_ inputs: ScoreInputs, _ out: ScoreOutput) throws {
        let tok = BLEUTokenizer(rawValue: tokenize) ?? .thirteenA
        let method = smooth.flatMap(BLEU.Smoothing.init(rawValue:)) ?? .exp
        let corpus = BLEU(tokenizer: tok, smoothing: method, smoothValue: smoothValue, lowercase: lowercase)
        if sentence {
            // sacrebleu's sentence settings: effective order on; smoothing as asked.
            let per = BLEU(tokenizer: tok, smoothing: method, smoothValue: smoothValue, lowercase: lowercase, effectiveOrder: true)
            for (i, h) in inputs.hypotheses.enumerated() {
                let s = per.sentenceScore(hypothesis: h, references: inputs.references.compactMap { $0[i] })
                try out.segment(["segment": i + 1, "score": s.score, "precisions": s.precisions, "bp": s.bp], text: String(format: "%d\t%.2f", i + 1, s.score))
            }
        }
        let s = corpus.corpusScore(hypotheses: inputs.hypotheses, references: inputs.references)
        let sig = corpus.signature(references: inputs.referenceCount)
        try out.emit(["name": "BLEU", "score": s.score, "signature": sig, "precisions": s.precisions, "bp": s.bp, "ratio": s.ratio,
                      "hyp_len": s.hypLength, "ref_len": s.refLength, "counts": s.counts, "totals": s.totals, "verbose_score": s.verbose],
                     text: "BLEU|\(sig) = " + String(format: "%.2f ", s.score) + s.verbose)
    }

    func scoreCHRF(_ inputs: ScoreInputs, _ out: ScoreOutput, wordOrder: Int) throws {
        let m = CHRF(wordOrder: wordOrder, lowercase: lowercase)
        if sentence {
            for (i, h) in inputs.hypotheses.enumerated() {
                let s = m.sentenceScore(hypothesis: h, references: inputs.references.compactMap { $0[i] })
                try out.segment(["segment": i + 1, "score": s], text: String(format: "%d\t%.2f", i + 1, s))
            }
        }
        let s = m.corpusScore(hypotheses: inputs.hypotheses, references: inputs.references)
        let sig = m.signature(references: inputs.referenceCount)
        try out.emit(["name": m.name, "score": s, "signature": sig], text: "\(m.name)|\(sig) = " + String(format: "%.2f", s))
    }

    func scoreTER(_ inputs: ScoreInputs, _ out: ScoreOutput) throws {
        let m = TER()
        let stats = m.segmentStatistics(hypotheses: inputs.hypotheses, references: inputs.references)
        if sentence {
            for (i, st) in stats.enumerated() {
                let s = m.score([st]).score
                try out.segment(["segment": i + 1, "score": s, "edits": st.edits, "ref_length": st.refLength], text: String(format: "%d\t%.2f", i + 1, s))
            }
        }
        let s = m.score(stats)
        let sig = m.signature(references: inputs.referenceCount)
        try out.emit(["name": "TER", "score": s.score, "signature": sig, "num_edits": s.edits, "ref_length": s.refLength],
                     text: "TER|\(sig) = " + String(format: "%.2f", s.score))
    }

    func scoreRouge(_ inputs: ScoreInputs, _ out: ScoreOutput) throws {
        let rouge = Rouge(useStemmer: stem)
        let kinds = Rouge.Kind.allCases
        var sums = [(p: Double, r: Double, f: Double)](repeating: (0, 0, 0), count: kinds.count)
        let all = rouge.scores(targets: inputs.hypotheses.indices.map { i in inputs.references.compactMap { $0[i] } },
                               predictions: inputs.hypotheses)
        for (i, s) in all.enumerated() {
            for (k, kind) in kinds.enumerated() {
                guard let v = s[kind] else { continue }
                sums[k].p += v.precision
                sums[k].r += v.recall
                sums[k].f += v.fmeasure
            }
            if sentence {
                var row: [String: Any] = ["segment": i + 1]
                for (kind, v) in s { row[kind.rawValue] = ["precision": v.precision, "recall": v.recall, "fmeasure": v.fmeasure] }
                try out.segment(row, text: "\(i + 1)\t" + kinds.map { String(format: "%@ %.4f", $0.rawValue, s[$0]?.fmeasure ?? 0) }.joined(separator: "  "))
            }
        }
        let n = Double(max(inputs.hypotheses.count, 1))
        var object: [String: Any] = ["name": "ROUGE", "stemmer": stem, "segments": inputs.hypotheses.count, "version": "rouge-score 0.1.2"]
        var lines: [String] = []
        for (i, k) in kinds.enumerated() {
            let (p, r, f) = sums[i]
            object[k.rawValue] = ["precision": p / n, "recall": r / n, "fmeasure": f / n]
            lines.append(String(format: "%@\tP %.4f  R %.4f  F %.4f", k.rawValue, p / n, r / n, f / n))
        }
        try out.emit(object, text: lines.joined(separator: "\n"))
    }
}

/// Human-readable or JSON output of `score`.
struct ScoreOutput {
    let json: Bool

    func segment(_ object: [String: Any], text: String) throws {
        Output.line(json ? try Output.json(object) : text)
    }

    func emit(_ object: [String: Any], text: String) throws {
        Output.line(json ? try Output.json(object) : text)
    }
}
