import Foundation
import Testing
import TextNLPTestSupport
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

    // The comparisons run thousands of scores: each test computes off the shared pool (`offThePool`) and
    // returns what differs, then checks it here.

    @Test func corpusBLEUEveryTokenizerAndSmoothing() async throws {
        let (hyps, refs) = try Self.streams
        let corpus = try Self.file.get().corpus.filter { $0.metric == "bleu" }
        #expect(corpus.count == 40)
        let bad = try await offThePool {
            var bad: [String] = []
            for c in corpus {
                guard let tok = BLEUTokenizer(rawValue: c.tokenize ?? ""), let smooth = BLEU.Smoothing(rawValue: c.smooth ?? "") else {
                    bad.append("unknown tokenizer or smoothing \(c.tokenize ?? "") \(c.smooth ?? "")")
                    continue
                }
                let bleu = BLEU(tokenizer: tok, smoothing: smooth, lowercase: c.lowercase ?? false)
                let s = bleu.corpusScore(hypotheses: hyps, references: refs)
                let label = "\(c.tokenize ?? "") \(c.smooth ?? "") lc=\(c.lowercase ?? false)"
                if !Self.close(s.score, c.score) { bad.append("\(label): \(s.score) vs \(c.score)") }
                if s.hypLength != c.sys_len || s.refLength != c.ref_len { bad.append("\(label): lengths \(s.hypLength)/\(s.refLength)") }
                let precisions = c.precisions ?? []
                if s.precisions.count != precisions.count || !zip(s.precisions, precisions).allSatisfy({ Self.close($0, $1) }) {
                    bad.append("\(label): precisions \(s.precisions) vs \(precisions)")
                }
                if !Self.close(s.bp, c.bp ?? -1) { bad.append("\(label): bp \(s.bp)") }
                if bleu.signature(references: -1) != c.signature { bad.append("\(label): signature \(bleu.signature(references: -1))") }
            }
            return bad
        }
        #expect(bad.isEmpty, Comment(rawValue: "\(bad)"))
    }

    @Test(arguments: ["13a", "intl", "char", "none", "zh"])
    func sentenceBLEU(tokenizer: String) async throws {
        let file = try Self.file.get()
        let expected = try #require(file.sentence["bleu-\(tokenizer)"])
        let bleu = BLEU(tokenizer: try #require(BLEUTokenizer(rawValue: tokenizer)), effectiveOrder: true)
        #expect(expected.count == file.pairs.count)
        let bad = try await offThePool {
            zip(file.pairs, expected).compactMap { p, e -> String? in
                let s = bleu.sentenceScore(hypothesis: p.hyp, references: p.refs).score
                return Self.close(s, e) ? nil : "\(p.hyp.debugDescription): \(s) vs \(e)"
            }
        }
        #expect(bad.isEmpty, Comment(rawValue: "\(bad.count) differ; first: \(bad.prefix(3))"))
    }

    @Test(arguments: ["floor", "add-k", "none"])
    func sentenceBLEUSmoothing(method: String) async throws {
        let file = try Self.file.get()
        let expected = try #require(file.sentence["bleu-13a-\(method)"])
        let bleu = BLEU(smoothing: try #require(BLEU.Smoothing(rawValue: method)), effectiveOrder: true)
        let bad = try await offThePool {
            zip(file.pairs, expected).filter { !Self.close(bleu.sentenceScore(hypothesis: $0.hyp, references: $0.refs).score, $1) }.count
        }
        #expect(bad == 0, Comment(rawValue: "\(bad) differ"))
    }

    @Test func chrFAndTER() async throws {
        let file = try Self.file.get()
        let (hyps, refs) = try Self.streams
        #expect(file.corpus.contains { $0.metric == "ter" } && file.corpus.contains { $0.metric == "chrf++" })
        let bad = try await offThePool {
            var bad: [String] = []
            let chrf = CHRF(), chrfpp = CHRF(wordOrder: 2), lc = CHRF(lowercase: true), ter = TER()
            for c in file.corpus where c.metric != "bleu" {
                let (score, sig): (Double, String)
                switch c.metric {
                case "chrf": (score, sig) = (chrf.corpusScore(hypotheses: hyps, references: refs), chrf.signature(references: -1))
                case "chrf++": (score, sig) = (chrfpp.corpusScore(hypotheses: hyps, references: refs), chrfpp.signature(references: -1))
                case "chrf-lc": (score, sig) = (lc.corpusScore(hypotheses: hyps, references: refs), lc.signature(references: -1))
                default: (score, sig) = (ter.corpusScore(hypotheses: hyps, references: refs), ter.signature(references: -1))
                }
                if !Self.close(score, c.score) { bad.append("\(c.metric): \(score) vs \(c.score)") }
                if sig != c.signature { bad.append("\(c.metric): signature \(sig) vs \(c.signature)") }
            }
            for (name, metric) in [("chrf", chrf), ("chrf++", chrfpp), ("chrf-lc", lc)] {
                guard let expected = file.sentence[name] else { bad.append("\(name): no sentence scores"); continue }
                let differ = zip(file.pairs, expected).filter { !Self.close(metric.sentenceScore(hypothesis: $0.hyp, references: $0.refs), $1) }
                if !differ.isEmpty { bad.append("\(name): \(differ.count) differ; first: \(differ.prefix(2))") }
            }
            if let expected = file.sentence["ter"] {
                let differ = zip(file.pairs, expected).filter { !Self.close(ter.sentenceScore(hypothesis: $0.hyp, references: $0.refs), $1) }
                if !differ.isEmpty { bad.append("ter: \(differ.count) differ; first: \(differ.prefix(2))") }
            } else {
                bad.append("ter: no sentence scores")
            }
            return bad
        }
        #expect(bad.isEmpty, Comment(rawValue: "\(bad)"))
    }

    @Test(arguments: [false, true])
    func rouge(stemmed: Bool) async throws {
        let file = try Self.file.get()
        let expected = try #require(file.rouge[stemmed ? "stem" : "plain"])
        #expect(expected.count == file.pairs.count)
        let bad = try await offThePool {
            let rouge = Rouge(useStemmer: stemmed)
            var bad: [String] = []
            for (p, e) in zip(file.pairs, expected) {
                let s = rouge.score(targets: p.refs, prediction: p.hyp)
                for kind in Rouge.Kind.allCases {
                    guard let v = s[kind], let r = e[kind.rawValue], r.count == 3 else {
                        bad.append("\(kind): missing for \(p.hyp.debugDescription)")
                        continue
                    }
                    if !(Self.close(v.precision, r[0]) && Self.close(v.recall, r[1]) && Self.close(v.fmeasure, r[2])) {
                        bad.append("\(kind) \(p.hyp.debugDescription) vs \(p.refs): \(v) vs \(r)")
                    }
                }
            }
            return bad
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
