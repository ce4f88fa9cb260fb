import Foundation
import Testing
import TextNLPPipeline
import TextNLPTestSupport

/// The live server against its own OpenAPI document (schemathesis: no 5xx, every status, content type and
/// body as documented) and its metrics against Prometheus' own checker.
struct ServeContractTests {
    @Test(arguments: ["sqlite", "postgres"])
    func schemathesisFindsNothingAgainstTheOpenAPIDocument(_ store: String) async throws {
        guard let python = ReferencePython.available("schemathesis") else { return }
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        if store == "postgres" {
            guard Cluster.available("schemathesis on PostgreSQL") else { return }
            try await Cluster.with { cluster in try await Self.schemathesis(python: python, environment: cluster.environment) }
        } else {
            try await Self.schemathesis(python: python, environment: Support.embedded)
        }
    }

    static func schemathesis(python: String, environment: [String: String]) async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = try await ServeProcess.key(tenant: "fuzz", dataDir: dir, environment: environment)
        // A short context (the chat template alone takes about 30 tokens): every fuzzed generation stays short,
        // at most 8 tokens a choice, so that none runs past schemathesis' read timeout on a loaded machine.
        let server = try await ServeProcess.start(dataDir: dir, environment: environment, arguments: ["--context-length", "40"])
        let r = try await Support.run(python, ["scripts/schemathesis-server", "--base-url", server.base, "--api-key", key])
        let summary = r.out.split(separator: "\n").filter { $0.contains("generated") || $0.contains("passed") || $0.contains("failed") }.suffix(3)
        print("schemathesis: " + summary.joined(separator: " | "))
        #expect(r.code == 0, "schemathesis failed:\n\(r.out.suffix(6000))\n\(r.err.suffix(2000))\nserver:\n\(server.logText.suffix(2000))")
        #expect(await server.stop() == 0)
    }

    @Test func metricsPassPromtoolAndCountWhatHappened() async throws {
        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let promtool else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("promtool is missing: .ci/run installs Debian's prometheus") }
            else { print("skipped the metrics check: promtool is not installed (apt-get install prometheus)") }
            return
        }
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = try await ServeProcess.key(tenant: "ops", dataDir: dir)
        let server = try await ServeProcess.start(dataDir: dir)
        // A pipeline batch of two rows (no model: it runs in a moment), a 404 and a 401.
        let body = "{\"pipeline\": {\"name\": \"m\", \"stages\": [{\"ingest\": {\"path\": \"x\"}}, {\"export\": {\"path\": \"m/{{batch_id}}/r.jsonl.zst\"}}]}, \"rows\": [{\"a\": 1}, {\"a\": 2}]}"
        let created = try await Support.run("curl", ["-s", "-H", "Authorization: Bearer \(key)", "-H", "Content-Type: application/json", "-d", body, server.base + "/v1/batch"])
        let id = try #require(try JSONParser.parse(created.out).objectValue?["id"]?.stringValue, "\(created.out)")
        _ = try await Support.run("curl", ["-s", "-H", "Authorization: Bearer \(key)", server.base + "/v1/batches/nope"])
        _ = try await Support.run("curl", ["-s", server.base + "/v1/batches"])
        var text = ""
        for _ in 0..<100 {
            text = try await Support.run("curl", ["-s", server.base + "/metrics"]).out
            if text.contains("textnlp_batches{status=\"completed\"} 1") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let file = dir + "/metrics.txt"
        Support.write(text, to: file)
        let check = try await Support.run("/bin/sh", ["-c", "\(promtool) check metrics < \(file)"])
        #expect(check.code == 0, "promtool: \(check.out)\(check.err)")
        for expected in [
            "textnlp_batches{status=\"completed\"} 1", "textnlp_generated_rows 2",
            "textnlp_http_requests_total{method=\"POST\",route=\"/v1/batch\",status=\"200\"} 1",
            "textnlp_http_requests_total{method=\"GET\",route=\"/v1/batches/{id}\",status=\"404\"} 1",
            "textnlp_http_requests_total{method=\"GET\",route=\"/v1/batches\",status=\"401\"} 1",
            "textnlp_jobs{queue=\"default\",state=\"completed\"} 3", "textnlp_queue_depth_jobs{queue=\"default\"} 0",
            "textnlp_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/batch\",le=\"+Inf\"} 1",
        ] {
            #expect(text.contains(expected), "metrics lack \(expected) (batch \(id)):\n\(text)")
        }
        #expect(await server.stop() == 0)
    }
}
