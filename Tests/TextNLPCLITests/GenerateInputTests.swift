import Foundation
import Testing

/// `textnlp generate --input FILE.jsonl`: many requests through one engine, results in input order.
struct BatchGenerateTests {
    static func objects(_ out: String) throws -> [[String: Any]] {
        try out.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    @Test func resultsComeInInputOrderAndMatchSingleRuns() async throws {
        let lines = [
            #"{"id": "a", "prompt": "The capital of France is", "max_tokens": 8, "temperature": 0}"#,
            #"{"custom_id": "b", "messages": [{"role": "user", "content": "Name a fruit."}], "max_tokens": 12, "temperature": 0}"#,
            #"{"id": 3, "prompt": "1, 2, 3,", "max_tokens": 6, "temperature": 0.9, "seed": 7, "stop": ["\n"], "model": "ignored"}"#,
        ]
        let path = try Support.temporaryFile(Array((lines.joined(separator: "\n") + "\n").utf8), suffix: ".jsonl")
        let r = try await Support.textnlp(["generate", "--input", path])
        #expect(r.code == 0, "\(r.err)")
        let rows = try Self.objects(r.out)
        #expect(rows.count == 3)
        #expect(rows[0]["id"] as? String == "a" && rows[1]["id"] as? String == "b" && rows[2]["id"] as? Int == 3)
        #expect((rows[0]["ids"] as? [Int])?.count == 8)
        #expect(rows[2]["seed"] as? Int == 7)
        // The same requests alone give the same tokens (batch invariance of greedy and seeded sampling).
        let alone = try await Support.textnlp(["generate", "--prompt", "The capital of France is", "--max-tokens", "8", "--temperature", "0", "--json"])
        let single = try #require(try JSONSerialization.jsonObject(with: Data(alone.out.utf8)) as? [String: Any])
        #expect(single["ids"] as? [Int] == rows[0]["ids"] as? [Int])
        let seeded = try await Support.textnlp(["generate", "--prompt", "1, 2, 3,", "--max-tokens", "6", "--temperature", "0.9", "--seed", "7", "--stop", "\n", "--json"])
        let seededRow = try #require(try JSONSerialization.jsonObject(with: Data(seeded.out.utf8)) as? [String: Any])
        #expect(seededRow["ids"] as? [Int] == rows[2]["ids"] as? [Int])
    }

    @Test func badLinesAreReportedWithLineAndField() async throws {
        let lines = [
            #"{"prompt": "fine"}"#,
            #"{"prompt": "x", "temprature": 0.5}"#,
            #"{"prompt": "x", "max_tokens": "ten"}"#,
            #"{"messages": "not a list"}"#,
            #"{"prompt": "x", "top_p": 3}"#,
            "not json",
        ]
        let path = try Support.temporaryFile(Array(lines.joined(separator: "\n").utf8), suffix: ".jsonl")
        let r = try await Support.textnlp(["generate", "--input", path])
        #expect(r.code == 2)
        #expect(r.out.isEmpty)
        for expected in ["line 2: unknown field 'temprature'", "line 3: max_tokens", "line 4: messages", "line 5: top_p", "line 6: not a JSON object"] {
            #expect(r.err.contains(expected), "missing \(expected) in \(r.err)")
        }
    }

    /// A KV-cache cap of a few MiB lets only some requests run at once (one needs about 2 MiB here); the others
    /// wait, and every result is what it is without the cap. A request that can never fit is refused by name.
    @Test func aKVCacheCapMakesRequestsWaitWithoutChangingThem() async throws {
        let lines = (0..<6).map { #"{"id": "r\#($0)", "prompt": "Count to \#($0 + 3):", "max_tokens": 24, "temperature": 0.7, "seed": \#($0)}"# }
        let path = try Support.temporaryFile(Array((lines.joined(separator: "\n") + "\n").utf8), suffix: ".jsonl")
        let free = try await Support.textnlp(["generate", "--input", path, "--max-batch-tokens", "7"])
        let capped = try await Support.textnlp(["generate", "--input", path, "--kv-cache-mib", "5"])
        #expect(free.code == 0 && capped.code == 0, "\(free.err) \(capped.err)")
        let a = try Self.objects(free.out), b = try Self.objects(capped.out)
        #expect(a.count == 6 && b.count == 6)
        for (x, y) in zip(a, b) { #expect(x["ids"] as? [Int] == y["ids"] as? [Int]) }

        let big = try Support.temporaryFile(Array(#"{"id": "huge", "prompt": "Hi", "max_tokens": 2000}"#.utf8), suffix: ".jsonl")
        let refused = try await Support.textnlp(["generate", "--input", big, "--kv-cache-mib", "5"])
        #expect(refused.code == 1)
        #expect(refused.out.contains(#""error""#) && refused.out.contains(#""id":"huge""#))
        #expect(refused.err.contains("MiB"), "\(refused.err)")
    }
}
