import TextNLPMetrics

/// Corpus-level values of a validate stage's metrics, computed in the finalize step from every row's sample.
public enum CorpusMetrics {
    public static func compute(_ metrics: [Metric], samples: [MetricSample], seed: UInt64) -> [Metric: Double] {
        let hypotheses = samples.map(\.hypothesis)
        let width = samples.map(\.references.count).max() ?? 0
        let streams: [[String?]] = (0..<width).map { k in samples.map { k < $0.references.count ? $0.references[k] : nil } }
        var out: [Metric: Double] = [:]
        guard !samples.isEmpty else { return out }
        for metric in metrics {
            switch metric {
            case .bleu: out[metric] = BLEU().corpusScore(hypotheses: hypotheses, references: streams).score
            case .chrf: out[metric] = CHRF().corpusScore(hypotheses: hypotheses, references: streams)
            case .chrfpp: out[metric] = CHRF(wordOrder: 2).corpusScore(hypotheses: hypotheses, references: streams)
            case .ter: out[metric] = TER().corpusScore(hypotheses: hypotheses, references: streams)
            case .rouge1, .rouge2, .rougeL, .rougeLsum, .words, .chars:
                let values = samples.compactMap { $0.values[metric] }
                out[metric] = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
            case .distinct1: out[metric] = Diversity.distinct(hypotheses, n: 1)
            case .distinct2: out[metric] = Diversity.distinct(hypotheses, n: 2)
            case .distinct3: out[metric] = Diversity.distinct(hypotheses, n: 3)
            case .selfBLEU: out[metric] = Diversity.selfBLEU(hypotheses, sample: 200, seed: seed)
            case .duplicates: out[metric] = Deduplication().report(hypotheses).exactRate
            }
        }
        return out
    }
}
