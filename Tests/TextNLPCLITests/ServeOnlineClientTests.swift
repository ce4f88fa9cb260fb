import Foundation
import Testing
import TextNLPPipeline
import TextNLPTestSupport

/// The official `openai` and `anthropic` Python packages against `textnlp serve`'s online routes
/// (scripts/openai-online-flow.py, scripts/anthropic-flow.py), and textnlp's /v1/generate and /v1/stream WebSocket
/// (scripts/generate-flow.py, with the `websockets` client): alone, and again while a batch fills every
/// place of the engine, where the seeded answers must not change.
struct ServeOnlineClientTests {
    static func flow(_ python: String, _ script: String, base: String, key: String, server: ServeProcess, extra: [String] = []) async throws -> JSONObject {
        let r = try await Support.run(python, [script, "--base-url", base, "--api-key", key, "--model", "smollm2-135m-instruct"] + extra)
        #expect(r.code == 0, "\(script) failed:\n\(r.err)\nserver log:\n\(server.logText.suffix(3000))")
        let last = r.out.split(separator: "\n").last.map(String.init) ?? ""
        guard case .object(let summary)? = try? JSONParser.parse(last) else {
            Issue.record("no summary from \(script): \(r.out)\n\(r.err)")
            throw CocoaError(.coderReadCorrupt)
        }
        #expect(summary["failures"] == .array([]), "\(script): \(summary)")
        return summary
    }

    @Test func theSDKsAloneAndBesideABatch() async throws {
        guard let python = ReferencePython.available("the online client flows") else { return }
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/data"
        let key = try await ServeProcess.key(tenant: "acme", dataDir: data)
        let server = try await ServeProcess.start(dataDir: data, arguments: ["--max-sequences", "8"])
        let openAI = try await Self.flow(python, "scripts/openai-online-flow.py", base: server.base + "/v1", key: key, server: server)
        let anthropic = try await Self.flow(python, "scripts/anthropic-flow.py", base: server.base, key: key, server: server, extra: ["--batches"])
        let generate = try await Self.flow(python, "scripts/generate-flow.py", base: server.base, key: key, server: server)

        // A batch that keeps every place of the engine busy for a while.
        let rows = (0..<192).map { "{\"q\": \"Write a long story about ship number \($0).\"}" }.joined(separator: ", ")
        let pipeline = """
            {"name": "load", "model": "smollm2-135m-instruct", "seed": 1, "stages": [{"ingest": {"path": "x"}}, \
            {"template": {"prompt": "{{q}}", "as": "prompt"}}, {"generate": {"input": "prompt", "as": "story", "max_tokens": 128}}, \
            {"export": {"path": "load/{{batch_id}}/r.jsonl.zst"}}], "execution": {"shard_rows": 24}}
            """
        let created = try await server.object("POST", "/v1/batch", key: key, json: "{\"pipeline\": \(pipeline), \"rows\": [\(rows)]}")
        let id = try #require(created["id"]?.stringValue, "\(created)")
        var status = ""
        for _ in 0..<600 {
            status = try await server.object("GET", "/v1/batch/\(id)", key: key)["status"]?.stringValue ?? ""
            if status == "in_progress" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let openAIBusy = try await Self.flow(python, "scripts/openai-online-flow.py", base: server.base + "/v1", key: key, server: server)
        let anthropicBusy = try await Self.flow(python, "scripts/anthropic-flow.py", base: server.base, key: key, server: server)
        let generateBusy = try await Self.flow(python, "scripts/generate-flow.py", base: server.base, key: key, server: server)
        let during = try await server.object("GET", "/v1/batch/\(id)", key: key)["status"]?.stringValue ?? ""
        #expect(openAIBusy["chat"] == openAI["chat"] && openAIBusy["completion"] == openAI["completion"], "the seeded OpenAI answers changed beside the batch")
        #expect(anthropicBusy["message"] == anthropic["message"], "the seeded Anthropic answer changed beside the batch")
        #expect(generateBusy["text"] == generate["text"], "the seeded /v1/generate answer changed beside the batch")
        #expect(during == "in_progress", "the batch should still run while the online flows ran (it was \(during)); make it longer")
        for _ in 0..<1200 {
            status = try await server.object("GET", "/v1/batch/\(id)", key: key)["status"]?.stringValue ?? ""
            if ["completed", "failed", "cancelled"].contains(status) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == "completed")
        #expect(await server.stop() == 0, "serve after SIGTERM: \(server.logText)")
    }

    /// On PostgreSQL, an API-only server answers online requests with its own engine while the message
    /// batches run on a `textnlp worker`.
    @Test func messagesAndMessageBatchesOnPostgreSQL() async throws {
        guard Cluster.available("the anthropic flow on PostgreSQL"), let python = ReferencePython.available("the anthropic flow") else { return }
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        try await Cluster.with { cluster in
            let dir = Support.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let env = cluster.environment
            let key = try await ServeProcess.key(tenant: "acme", dataDir: dir, environment: env)
            let server = try await ServeProcess.start(dataDir: dir, environment: env, arguments: ["--workers", "0"])
            let workers = Workers()
            defer { workers.killAll() }
            workers["w"] = try cluster.worker("w", concurrency: 2)
            _ = try await Self.flow(python, "scripts/anthropic-flow.py", base: server.base, key: key, server: server, extra: ["--batches"])
            #expect(await server.stop() == 0, "serve after SIGTERM: \(server.logText)")
            workers["w"]?.signal(SIGTERM)
            #expect(await workers["w"]?.wait() == 0)
        }
    }
}
