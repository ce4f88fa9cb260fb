import Foundation
import Testing
import TextNLPPipeline
import TextNLPTestSupport

/// A batch submitted with the command line (as a CronJob does) for a tenant and one submitted over
/// HTTP are the same kind of batch: the API and `textnlp status` show the same thing.
struct ServeSameBatchTests {
    @Test func theCommandLineAndTheAPIShowOneBatch() async throws {
        guard Cluster.available("one batch behind the CLI and the API") else { return }
        try await Cluster.with { cluster in
            let dir = Support.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            Support.write("{\"id\": \"a\"}\n{\"id\": \"b\"}\n{\"id\": \"c\"}\n", to: dir + "/rows.jsonl")
            Support.write("""
                {"name": "same", "stages": [{"ingest": {"path": "\(dir)/rows.jsonl"}}, {"export": {"path": "same/{{batch_id}}/rows.jsonl.zst"}}]}
                """, to: dir + "/same.json")
            let env = cluster.environment
            let (acme, globex) = (try await ServeProcess.key(tenant: "acme", dataDir: dir, environment: env),
                                  try await ServeProcess.key(tenant: "globex", dataDir: dir, environment: env))
            let server = try await ServeProcess.start(dataDir: dir, environment: env)
            let submitted = try await cluster.submit(dir + "/same.json", ["--tenant", "acme", "--idempotency-key", "nightly-1", "--wait"])
            let id = try #require(submitted["id"]?.stringValue)
            let cli = try await cluster.status(id)
            let api = try await server.object("GET", "/v1/batch/\(id)", key: acme)
            #expect(api["status"] == cli["status"] && api["status"] == .string("completed"), "api \(api), cli \(cli)")
            #expect(api["request_counts"] == cli["request_counts"], "api \(String(describing: api["request_counts"])), cli \(String(describing: cli["request_counts"]))")
            #expect(try await server.request("GET", "/v1/batch/\(id)", key: globex).status == 404)
            // The same key over HTTP is the same batch.
            let again = try await server.object("POST", "/v1/batch", key: acme, json: "{\"pipeline\": \"x\", \"idempotency_key\": \"nightly-1\"}")
            #expect(again["id"] == .string(id))
            let rows = try await server.request("GET", "/v1/batch/\(id)/output?decompress=true", key: acme)
            #expect(rows.status == 200 && rows.body.split(separator: "\n").count == 3, "\(rows)")
            #expect(await server.stop() == 0)
        }
    }
}
