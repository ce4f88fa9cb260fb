import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TextNLPPipeline
@testable import TextNLPServer

/// `POST /v1/validate` against the metric fixtures that sacrebleu 2.6.0 and rouge-score 0.1.2 wrote
/// (scripts/make-metrics-fixtures.py): the corpus scores with sacrebleu's signatures, and every pair's.
struct ValidateRouteTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TextNLPMetricsTests/Fixtures/metrics.json")

    static func close(_ a: Double?, _ b: Double?, _ what: String) {
        guard let a, let b else { Issue.record("\(what): missing (\(String(describing: a)), \(String(describing: b)))"); return }
        #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(what): \(a) but the reference says \(b)")
    }

    @Test func scoresEqualSacrebleuAndRougeScore() async throws {
        let fixture = try #require(try JSONParser.parse(Array(try Data(contentsOf: Self.fixtures))).objectValue)
        let pairs = try #require(fixture["pairs"]?.arrayValue).compactMap(\.objectValue)
        #expect(pairs.count >= 1000)
        let body = JSONObject([
            ("metrics", .array([.string("bleu"), .string("chrf++"), .string("ter"), .string("rouge")])), ("sentence", .bool(true)),
            ("pairs", .array(pairs.map { p in .object(JSONObject([("hypothesis", p["hyp"] ?? .null), ("reference", p["refs"] ?? .null)])) })),
        ])
        try await ServerFixture.with { server, client in
            let key = try await server.key("acme")
            let r = try await client.call(.post, "/v1/validate", key: key, json: JSONWriter.string(.object(body)))
            #expect(r.status == 200)
            let results = try #require(r.body?["results"]?.arrayValue).compactMap(\.objectValue)
            #expect(results.map { $0["metric"]?.stringValue } == ["bleu", "chrf++", "ter", "rouge"])
            let corpus = try #require(fixture["corpus"]?.arrayValue).compactMap(\.objectValue)
            func reference(_ metric: String) -> JSONObject? {
                corpus.first { $0["metric"]?.stringValue == metric && ($0["tokenize"] == nil || $0["tokenize"] == .string("13a"))
                    && ($0["smooth"] == nil || $0["smooth"] == .string("exp")) && ($0["lowercase"] == nil || $0["lowercase"] == .bool(false)) }
            }
            for (i, metric) in ["bleu", "chrf++", "ter"].enumerated() {
                let ours = try #require(results[i]["corpus"]?.objectValue), theirs = try #require(reference(metric))
                Self.close(ours["score"]?.doubleValue, theirs["score"]?.doubleValue, "\(metric) corpus score")
                #expect(ours["signature"] == theirs["signature"], "\(metric) signature")
            }
            let sentence = try #require(fixture["sentence"]?.objectValue)
            for (i, key) in [(0, "bleu-13a"), (1, "chrf++"), (2, "ter")] {
                let ours = try #require(results[i]["segments"]?.arrayValue).map { $0.objectValue?["score"]?.doubleValue }
                let theirs = try #require(sentence[key]?.arrayValue).map(\.doubleValue)
                #expect(ours.count == theirs.count)
                for (j, (a, b)) in zip(ours, theirs).enumerated() { Self.close(a, b, "\(key) of pair \(j)") }
            }
            let rouge = try #require(fixture["rouge"]?.objectValue?["plain"]?.arrayValue).compactMap(\.objectValue)
            let segments = try #require(results[3]["segments"]?.arrayValue).compactMap(\.objectValue)
            #expect(segments.count == rouge.count)
            for (j, (ours, theirs)) in zip(segments, rouge).enumerated() {
                for kind in ["rouge1", "rouge2", "rougeL"] {
                    Self.close(ours[kind]?.objectValue?["fmeasure"]?.doubleValue, theirs[kind]?.arrayValue?.last?.doubleValue, "\(kind) of pair \(j)")
                }
            }
        }
    }

    @Test func badRequestsName400TheField() async throws {
        try await ServerFixture.with { server, client in
            let key = try await server.key("acme")
            let cases: [(String, String?)] = [
                ("{\"pairs\": [{\"hypothesis\": \"a\", \"reference\": \"a\"}]}", "metrics"),
                ("{\"metrics\": [\"bleu\", \"bleurt\"], \"pairs\": [{\"hypothesis\": \"a\", \"reference\": \"a\"}]}", "metrics[1]"),
                ("{\"metrics\": [\"bleu\"], \"pairs\": [{\"hypothesis\": \"a\"}]}", "pairs[0].reference"),
                ("{\"metrics\": [\"bleu\"], \"pairs\": [{\"hypothesis\": 3, \"reference\": \"a\"}]}", "pairs[0].hypothesis"),
                ("{\"metrics\": [\"bleu\"], \"pairs\": [{\"hypothesis\": \"a\", \"reference\": []}]}", "pairs[0].reference"),
                ("{\"metrics\": [\"bleu\"], \"pairs\": [], \"sentence\": true}", "pairs"),
                ("{\"metrics\": [\"bleu\"], \"pairs\": [{\"hypothesis\": \"a\", \"reference\": \"a\"}], \"options\": {\"tokenize\": \"spm\"}}", "options.tokenize"),
                ("{\"metrics\": [\"bleu\"], \"pairs\": [{\"hypothesis\": \"a\", \"reference\": \"a\"}], \"extra\": 1}", "extra"),
            ]
            for (json, param) in cases {
                let r = try await client.call(.post, "/v1/validate", key: key, json: json)
                #expect(r.status == 400 && r.body?.errorParam == param, "\(json): \(r.status) \(String(decoding: r.raw, as: UTF8.self))")
            }
            // Dataset metrics need no references.
            let ok = try await client.call(.post, "/v1/validate", key: key, json: "{\"metrics\": [\"distinct\", \"length\"], \"pairs\": [{\"hypothesis\": \"a b\"}, {\"hypothesis\": \"a c\"}]}")
            #expect(ok.status == 200)
            #expect(ok.body?["results"]?.arrayValue?.first?.objectValue?["corpus"]?.objectValue?["distinct-1"]?.doubleValue == 0.75)
        }
    }
}
