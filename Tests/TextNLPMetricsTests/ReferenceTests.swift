import Foundation
import Testing
@testable import TextNLPMetrics

/// Every score against sacrebleu 2.6.0 and rouge-score 0.1.2 on 2,100 pairs (Fixtures/metrics.json,
/// made by scripts/make-metrics-fixtures.py). Tolerance 1e-9.
struct ReferenceTests {
    struct Pair: Decodable { let hyp: String; let refs: [String] }
    struct Corpus: Decodable {
        let metric: String
        let tokenize: String?
        let smooth: String?
        let lowercase: Bool?
        let score: Double
        let precisions: [Double]?
        let bp: Double?
        let sys_len: Int?
        let ref_len: Int?
        let signature: String
    }
    struct File: Decodable {
        let pairs: [Pair]
        let corpus: [Corpus]
        let sentence: [String: [Double]]
        let rouge: [String: [[String: [Double]]]]
        let stems: [String: String]
    }

    static let file: Result<File, Error> = Result {
        let url = try #require(Bundle.module.url(forResource: "metrics.json", withExtension: nil, subdirectory: "Fixtures"))
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    }

    static var streams: ([String], [[String?]]) {
        get throws {
            let pairs = try file.get().pairs
            let n = pairs.map(\.refs.count).max() ?? 1
            return (pairs.map(\.hyp), (0..<n).map { k in pairs.map { k < $0.refs.count ? $0.refs[k] : nil } })
        }
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 }

    @Test func fixturesAreLargeEnough() throws {
        #expect(try Self.file.get().pairs.count >= 2000)
    }

    @Test func corpusBLEUEveryTokenizerAndSmoothing() throws {
        let (hyps, refs) = try Self.streams
        var checked = 0
        for c in try Self.file.get().corpus where c.metric == "bleu" {
            let tok = try #require(BLEUTokenizer(rawValue: c.tokenize ?? ""))
            let smooth = try #require(BLEU.Smoothing(rawValue: c.smooth ?? ""))
            let bleu = BLEU(tokenizer: tok, smoothing: smooth, lowercase: c.lowercase ?? false)
            let s = bleu.corpusScore(hypotheses: hyps, references: refs)
            let label = "\(c.tokenize ?? "") \(c.smooth ?? "") lc=\(c.lowercase ?? false)"
            #expect(Self.close(s.score, c.score), "\(label): \(s.score) vs \(c.score)")
            #expect(s.hypLength == c.sys_len && s.refLength == c.ref_len, "\(label)")
            #expect(zip(s.precisions, c.precisions ?? []).allSatisfy { Self.close($0, $1) }, "\(label)")
            #expect(Self.close(s.bp, c.bp ?? -1), "\(label)")
            #expect(bleu.signature(references: -1) == c.signature, "\(label)")
            checked += 1
        }
        #expect(checked == 40)
    }

    @Test(arguments: ["13a", "intl", "char", "none", "zh"])
    func sentenceBLEU(tokenizer: String) throws {
        let file = try Self.file.get()
        let expected = try #require(file.sentence["bleu-\(tokenizer)"])
        let bleu = BLEU(tokenizer: try #require(BLEUTokenizer(rawValue: tokenizer)), effectiveOrder: true)
        var bad: [String] = []
        for (p, e) in zip(file.pairs, expected) {
            let s = bleu.sentenceScore(hypothesis: p.hyp, references: p.refs).score
            if !Self.close(s, e) { bad.append("\(p.hyp.debugDescription): \(s) vs \(e)") }
        }
        #expect(bad.isEmpty, Comment(rawValue: "\(bad.count) differ; first: \(bad.prefix(3))"))
    }

    @Test(arguments: ["floor", "add-k", "none"])
    func sentenceBLEUSmoothing(method: String) throws {
        let file = try Self.file.get()
        let expected = try #require(file.sentence["bleu-13a-\(method)"])
        let bleu = BLEU(smoothing: try #require(BLEU.Smoothing(rawValue: method)), effectiveOrder: true)
        let bad = zip(file.pairs, expected).filter { !Self.close(bleu.sentenceScore(hypothesis: $0.hyp, references: $0.refs).score, $1) }
        #expect(bad.isEmpty, Comment(rawValue: "\(bad.count) differ"))
    }

    @Test func chrFAndTER() throws {
        let file = try Self.file.get()
        let (hyps, refs) = try Self.streams
        let chrf = CHRF(), chrfpp = CHRF(wordOrder: 2), lc = CHRF(lowercase: true), ter = TER()
        for c in file.corpus where c.metric != "bleu" {
            let (score, sig): (Double, String)
            switch c.metric {
            case "chrf": (score, sig) = (chrf.corpusScore(hypotheses: hyps, references: refs), chrf.signature(references: -1))
            case "chrf++": (score, sig) = (chrfpp.corpusScore(hypotheses: hyps, references: refs), chrfpp.signature(references: -1))
            case "chrf-lc": (score, sig) = (lc.corpusScore(hypotheses: hyps, references: refs), lc.signature(references: -1))
            default: (score, sig) = (ter.corpusScore(hypotheses: hyps, references: refs), ter.signature(references: -1))
            }
            #expect(Self.close(score, c.score), "\(c.metric): \(score) vs \(c.score)")
            #expect(sig == c.signature)
        }
        for (name, metric) in [("chrf", chrf), ("chrf++", chrfpp), ("chrf-lc", lc)] {
            let expected = try #require(file.sentence[name])
            let bad = zip(file.pairs, expected).filter { !Self.close(metric.sentenceScore(hypothesis: $0.hyp, references: $0.refs), $1) }
            #expect(bad.isEmpty, Comment(rawValue: "\(name): \(bad.count) differ; first: \(bad.prefix(2))"))
        }
        let expected = try #require(file.sentence["ter"])
        let bad = zip(file.pairs, expected).filter { !Self.close(ter.sentenceScore(hypothesis: $0.hyp, references: $0.refs), $1) }
        #expect(bad.isEmpty, Comment(rawValue: "ter: \(bad.count) differ; first: \(bad.prefix(2))"))
    }

    @Test(arguments: [false, true])
    func rouge(stemmed: Bool) throws {
        let file = try Self.file.get()
        let expected = try #require(file.rouge[stemmed ? "stem" : "plain"])
        let rouge = Rouge(useStemmer: stemmed)
        var bad: [String] = []
        for (p, e) in zip(file.pairs, expected) {
            let s = rouge.score(targets: p.refs, prediction: p.hyp)
            for kind in Rouge.Kind.allCases {
                let v = try #require(s[kind]), r = try #require(e[kind.rawValue])
                if !(Self.close(v.precision, r[0]) && Self.close(v.recall, r[1]) && Self.close(v.fmeasure, r[2])) {
                    bad.append("\(kind) \(p.hyp.debugDescription) vs \(p.refs): \(v) vs \(r)")
                }
            }
        }
        #expect(bad.isEmpty, Comment(rawValue: "\(bad.count) differ; first: \(bad.prefix(3))"))
    }

    @Test func porterStemmerMatchesNLTK() throws {
        let stemmer = PorterStemmer()
        let stems = try Self.file.get().stems
        #expect(stems.count > 150)
        let bad = stems.filter { stemmer.stem($0.key) != $0.value }
        #expect(bad.isEmpty, Comment(rawValue: "\(bad.prefix(10))"))
    }
}
