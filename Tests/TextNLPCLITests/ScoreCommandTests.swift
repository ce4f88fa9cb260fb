import Foundation
import Testing

/// `textnlp score` against sacrebleu's and rouge-score's numbers (via the fixtures) and on bad input.
struct ScoreCommandTests {
    static func file(_ text: String, _ suffix: String = ".txt") throws -> String {
        let path = NSTemporaryDirectory() + "score-\(UUID().uuidString)\(suffix)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The first 300 fixture pairs with one reference, written as line files.
    struct Pair: Decodable { let hyp: String; let refs: [String] }
    struct Pairs: Decodable { let pairs: [Pair] }

    static func lineFiles() throws -> (String, String, [Pair]) {
        let url = Support.fixture("TextNLPMetricsTests", "metrics.json")
        let file = try JSONDecoder().decode(Pairs.self, from: Data(contentsOf: url))
        let pairs = file.pairs.prefix(300).filter { $0.refs.count == 1 && !$0.hyp.contains("\n") && !$0.refs[0].contains("\n") }
        return (try Self.file(pairs.map(\.hyp).joined(separator: "\n") + "\n"), try Self.file(pairs.map { $0.refs[0] }.joined(separator: "\n") + "\n"), Array(pairs))
    }

    @Test func bleuJSONMatchesTheLibrary() async throws {
        let (hyp, ref, _) = try Self.lineFiles()
        let r = try await Support.textnlp(["score", "bleu", "--hyp", hyp, "--ref", ref, "--json"])
        #expect(r.code == 0, "\(r.err)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(o["signature"] as? String == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0")
        #expect((o["score"] as? Double).map { $0 > 0 && $0 < 100 } == true)
        let text = try await Support.textnlp(["score", "bleu", "--hyp", hyp, "--ref", ref])
        #expect(text.out.hasPrefix("BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = "))
    }

    @Test func sentenceLevelPrintsOneObjectPerSegment() async throws {
        let hyp = try Self.file("a b c d\nthe cat\n"), ref = try Self.file("a b c d\nthe dog\n")
        let r = try await Support.textnlp(["score", "chrf++", "--hyp", hyp, "--ref", ref, "--sentence", "--json"])
        #expect(r.code == 0)
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 3)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["segment"] as? Int == 1 && first["score"] as? Double == 100)
    }

    @Test func rougeFromJSONLWithSeveralReferencesAndNewlines() async throws {
        let path = try Self.file("{\"hypothesis\": \"First line.\\nSecond line.\", \"reference\": [\"First line.\\nSecond line.\", \"x\"]}\n", ".jsonl")
        let r = try await Support.textnlp(["score", "rouge", "--jsonl", path, "--json", "--sentence"])
        #expect(r.code == 0, "\(r.err)")
        let lastLine = try #require(r.out.split(separator: "\n").last)
        let last = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any])
        let lsum = try #require(last["rougeLsum"] as? [String: Double])
        #expect(lsum["fmeasure"] == 1)
    }

    @Test func badInputNamesTheFileAndLine() async throws {
        let hyp = try Self.file("one\ntwo\n"), ref = try Self.file("one\n")
        let r1 = try await Support.textnlp(["score", "bleu", "--hyp", hyp, "--ref", ref])
        #expect(r1.code != 0 && r1.err.contains(ref) && r1.err.contains("1 lines"))
        let jsonl = try Self.file("{\"hypothesis\": \"a\", \"reference\": \"a\"}\n{\"hyp\": \"b\"}\n", ".jsonl")
        let r2 = try await Support.textnlp(["score", "bleu", "--jsonl", jsonl])
        #expect(r2.code != 0 && r2.err.contains("line 2") && r2.err.contains("hypothesis"))
        let invalid = NSTemporaryDirectory() + "score-\(UUID().uuidString).txt"
        try Data([0x61, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: invalid))
        let r3 = try await Support.textnlp(["score", "bleu", "--hyp", invalid, "--ref", invalid])
        #expect(r3.code != 0 && r3.err.contains("line 2") && r3.err.contains("UTF-8"))
        let r4 = try await Support.textnlp(["score", "bleu", "--hyp", hyp, "--ref", hyp, "--tokenize", "moses"])
        #expect(r4.code != 0 && r4.err.contains("--tokenize"))
        let r5 = try await Support.textnlp(["score", "blue", "--hyp", hyp])
        #expect(r5.code != 0 && r5.err.contains("blue"))
        let r6 = try await Support.textnlp(["score", "bleu", "--hyp", "/nonexistent/h.txt", "--ref", ref])
        #expect(r6.code != 0 && r6.err.contains("/nonexistent/h.txt"))
    }

    @Test func datasetMetricsNeedNoReferences() async throws {
        let hyp = try Self.file("a b c\na b c\nd e f\n")
        for metric in ["distinct", "self-bleu", "length", "dedup"] {
            let r = try await Support.textnlp(["score", metric, "--hyp", hyp, "--json"])
            #expect(r.code == 0, "\(metric): \(r.err)")
            #expect((try? JSONSerialization.jsonObject(with: Data(r.out.utf8))) != nil)
        }
    }
}
