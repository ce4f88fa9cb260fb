import Foundation
import Testing
import TextNLPPipeline
import TextNLPTestSupport

/// The official `openai` Python package drives the whole Batch API flow against `textnlp serve`
/// (scripts/openai-batch-flow.py), on the embedded store and on PostgreSQL with a separate worker; the
/// seeded answers are those of `textnlp generate` with the same parameters.
struct ServeOpenAIClientTests {
    @Test func theOpenAISDKFlowOnTheEmbeddedStore() async throws {
        guard let python = ReferencePython.available("the openai client flow") else { return }
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/data"
        let (key, other) = (try await ServeProcess.key(tenant: "acme", dataDir: data), try await ServeProcess.key(tenant: "globex", dataDir: data))
        let server = try await ServeProcess.start(dataDir: data)
        let summary = try await Self.flow(python: python, server: server, key: key, other: other)
        try await Self.expectGenerateParity(summary)
        #expect(await server.stop() == 0, "serve after SIGTERM: \(server.logText)")
    }

    @Test func theOpenAISDKFlowOnPostgreSQLWithAWorkerOfItsOwn() async throws {
        guard Cluster.available("the openai client flow on PostgreSQL"), let python = ReferencePython.available("the openai client flow") else { return }
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        try await Cluster.with { cluster in
            let dir = Support.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let env = cluster.environment
            let key = try await ServeProcess.key(tenant: "acme", dataDir: dir, environment: env)
            let other = try await ServeProcess.key(tenant: "globex", dataDir: dir, environment: env)
            // An API-only server, as the Kubernetes Deployment runs it; the work is a `textnlp worker`'s.
            let server = try await ServeProcess.start(dataDir: dir, environment: env, arguments: ["--workers", "0"])
            let workers = Workers()
            defer { workers.killAll() }
            workers["w"] = try cluster.worker("w", concurrency: 4)
            let summary = try await Self.flow(python: python, server: server, key: key, other: other)
            try await Self.expectGenerateParity(summary)
            #expect(await server.stop() == 0, "serve after SIGTERM: \(server.logText)")
            workers["w"]?.signal(SIGTERM)
            #expect(await workers["w"]?.wait() == 0)
        }
    }

    /// Runs the client flow; its last line is the summary, and every check it made passed.
    static func flow(python: String, server: ServeProcess, key: String, other: String) async throws -> JSONObject {
        let r = try await Support.run(python, ["scripts/openai-batch-flow.py", "--base-url", server.base + "/v1", "--api-key", key,
                                               "--other-key", other, "--model", "smollm2-135m-instruct"])
        #expect(r.code == 0, "the openai flow failed:\n\(r.err)\nserver log:\n\(server.logText.suffix(3000))")
        let last = r.out.split(separator: "\n").last.map(String.init) ?? ""
        guard case .object(let summary)? = try? JSONParser.parse(last) else {
            Issue.record("no summary from the flow: \(r.out)\n\(r.err)")
            throw CocoaError(.coderReadCorrupt)
        }
        #expect(summary["failures"] == .array([]), "\(summary)")
        #expect(summary["validation_errors"] == .int(5))
        return summary
    }

    /// The flow's seeded requests through `textnlp generate --input`, with OpenAI's sampling defaults
    /// (top_p 1, no top_k, no min_p): the same text.
    static func expectGenerateParity(_ summary: JSONObject) async throws {
        let questions = ["Name a color.", "What is two plus two?", "Say hello in French."]
        let chat = questions.enumerated().map { i, q in
            JSONWriter.string(.object(JSONObject([
                ("custom_id", .string("chat-\(i)")),
                ("messages", .array([.object(JSONObject([("role", .string("system")), ("content", .string("You answer briefly."))])),
                                     .object(JSONObject([("role", .string("user")), ("content", .string(q))]))])),
                ("max_tokens", .int(24)), ("seed", .int(Int64(100 + i))),
            ])))
        }
        let prompts = ["Once upon a time", "The capital of France is"]
        let completions = prompts.enumerated().map { i, p in
            JSONWriter.string(.object(JSONObject([("custom_id", .string("c-\(i)")), ("prompt", .string(p)), ("max_tokens", .int(16)), ("seed", .int(7))])))
        }
        for (lines, temperature, key) in [(chat, "0.7", "chat"), (completions, "0.9", "completions")] {
            let input = try Support.temporaryFile(Array((lines.joined(separator: "\n") + "\n").utf8), suffix: ".jsonl")
            defer { try? FileManager.default.removeItem(atPath: input) }
            let r = try await Support.textnlp(["generate", "--input", input, "--json", "--temperature", temperature, "--top-p", "1", "--top-k", "0", "--min-p", "0"])
            try #require(r.code == 0, "textnlp generate failed: \(r.err)")
            let texts = try r.out.split(separator: "\n").map { line -> String in
                try #require(try JSONParser.parse(String(line)).objectValue?["text"]?.stringValue)
            }
            let served = summary[key]?.objectValue
            for (i, text) in texts.enumerated() {
                let id = key == "chat" ? "chat-\(i)" : "c-\(i)"
                #expect(served?[id]?.stringValue == text, "\(id): served \(served?[id] ?? .null), textnlp generate said \(text)")
            }
        }
    }
}
