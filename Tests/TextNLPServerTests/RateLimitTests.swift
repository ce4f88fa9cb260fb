import Foundation
import Testing
import TextNLPPipeline
import TextNLPServer

/// Requests and tokens per minute per key, counted in the store: two replicas of the server share them.
struct RateLimitTests {
    @Test(arguments: ServerFixture.Store.allCases)
    func requestsPerMinuteHoldAcrossReplicas(_ kind: ServerFixture.Store) async throws {
        try await ServerFixture.with(kind) { fixture, client in
            let key = try await fixture.key("acme", rpm: 3)
            let unlimited = try await fixture.key("acme")
            try await fixture.replica { other in
                var statuses: [Int] = []
                for i in 0..<4 {
                    statuses.append(try await (i.isMultiple(of: 2) ? client : other).call(.get, "/v1/batches", key: key).status)
                }
                #expect(statuses == [200, 200, 200, 429], "\(statuses)")
                let refused = try await other.execute(uri: "/v1/files", method: .get, headers: [.authorization: "Bearer \(key)"]) { $0 }
                let retry = Int(refused.headers[.retryAfter] ?? "") ?? 0
                #expect(refused.status == .tooManyRequests && retry == 30, "Retry-After \(retry): the fixture's clock is 30 s into its minute")
                #expect(String(buffer: refused.body).contains("rate_limit_exceeded"))
                // Limits are the key's: another key of the same tenant is not held back.
                #expect(try await client.call(.get, "/v1/batches", key: unlimited).status == 200)
            }
        }
    }

    @Test func aBatchOverTheKeysTokensPerMinuteIs429() async throws {
        try await ServerFixture.with { fixture, client in
            let key = try await fixture.key("acme", tpm: 1000)
            func lines(_ n: Int, maxTokens: Int) -> [UInt8] {
                Array((0..<n).map {
                    "{\"custom_id\": \"r\($0)\", \"method\": \"POST\", \"url\": \"/v1/completions\", \"body\": {\"model\": \"\(ServerFixture.model)\", \"prompt\": \"hi\", \"max_tokens\": \(maxTokens)}}\n"
                }.joined().utf8)
            }
            let small = try #require(try await client.upload(lines(2, maxTokens: 100), key: key).body?["id"]?.stringValue)
            let big = try #require(try await client.upload(lines(4, maxTokens: 300), key: key).body?["id"]?.stringValue)
            let create = { (file: String) in
                try await client.call(.post, "/v1/batches", key: key, json: "{\"input_file_id\": \"\(file)\", \"endpoint\": \"/v1/completions\", \"completion_window\": \"24h\"}")
            }
            #expect(try await create(small).status == 200)
            let over = try await create(big)
            #expect(over.status == 429 && over.body?.errorCode == "rate_limit_exceeded", "\(over.status)")
            #expect(try await fixture.store.batches(after: nil, limit: 10, tenant: "acme").count == 1, "the refused batch was recorded")
        }
    }
}
