import Foundation
import Testing
import TextNLPPipeline
import TextNLPTestSupport

/// The embedded server killed (SIGKILL) in the middle of a batch and started again on its data directory:
/// the batch goes on from where it was, and its results are the same as an uninterrupted batch's.
struct ServeRestartTests {
    @Test func aServerKilledMidBatchLosesNothing() async throws {
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/data"
        let key = try await ServeProcess.key(tenant: "acme", dataDir: data)
        let lines = (0..<40).map { i in
            "{\"custom_id\": \"r\(i)\", \"method\": \"POST\", \"url\": \"/v1/completions\", \"body\": {\"model\": \"smollm2-135m-instruct\", \"prompt\": \"Item \(i) of the list is\", \"max_tokens\": 40, \"seed\": \(i)}}"
        }
        Support.write(lines.joined(separator: "\n") + "\n", to: dir + "/in.jsonl")
        var server = try await ServeProcess.start(dataDir: data)
        let file = try #require(try await server.object("POST", "/v1/files", key: key, upload: dir + "/in.jsonl")["id"]?.stringValue)
        let create = "{\"input_file_id\": \"\(file)\", \"endpoint\": \"/v1/completions\", \"completion_window\": \"24h\"}"
        let id = try #require(try await server.object("POST", "/v1/batches", key: key, json: create)["id"]?.stringValue)
        // Kill it once the first shard is in and the others are not.
        var midway = JSONObject()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            midway = try await server.object("GET", "/v1/batches/\(id)", key: key)
            let done = midway["request_counts"]?.objectValue?["completed"]?.doubleValue ?? 0
            if done > 0 || midway["status"] != .string("in_progress") && midway["status"] != .string("validating") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.child.signal(SIGKILL)
        _ = await server.child.wait()
        let completedAtKill = midway["request_counts"]?.objectValue?["completed"]?.doubleValue ?? 0
        try #require(midway["status"] == .string("in_progress") && completedAtKill < 40, "the batch was not midway when killed: \(midway)")

        server = try await ServeProcess.start(dataDir: data)
        var done = JSONObject()
        let end = Date().addingTimeInterval(180)
        while Date() < end {
            done = try await server.object("GET", "/v1/batches/\(id)", key: key)
            if ["completed", "failed", "cancelled"].contains(done["status"]?.stringValue ?? "") { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(done["status"] == .string("completed") && done["request_counts"]?.objectValue?["completed"] == .int(40), "\(done)\n\(server.logText)")
        print("restart: killed with \(Int(completedAtKill))/40 requests done; the batch completed after the restart")
        // The command line sees the server's batch in its data directory, as the API shows it.
        let cli = try await Support.textnlp(["status", id, "--data-dir", data, "--json"])
        let status = try JSONParser.parse(cli.out.split(separator: "\n").last.map(String.init) ?? "").objectValue
        #expect(cli.code == 0 && status?["status"] == done["status"], "textnlp status: \(cli.out) \(cli.err)")
        let listed = try await Support.textnlp(["batches", "--data-dir", data])
        #expect(listed.out.contains(id), "textnlp batches: \(listed.out) \(listed.err)")
        let output = try #require(done["output_file_id"]?.stringValue)
        let resumed = try await Self.texts(server, file: output, key: key)
        #expect(resumed.count == 40, "\(resumed.count) output lines")

        // The same file again, uninterrupted: the same answers (each request has its seed).
        let again = try #require(try await server.object("POST", "/v1/batches", key: key, json: create)["id"]?.stringValue)
        var clean = JSONObject()
        while Date() < end.addingTimeInterval(120) {
            clean = try await server.object("GET", "/v1/batches/\(again)", key: key)
            if clean["status"] == .string("completed") { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let reference = try await Self.texts(server, file: try #require(clean["output_file_id"]?.stringValue), key: key)
        #expect(resumed == reference, "the interrupted batch's answers differ from an uninterrupted one's")
        #expect(await server.stop() == 0)
    }

    /// The output file's completion text by custom_id.
    static func texts(_ server: ServeProcess, file: String, key: String) async throws -> [String: String] {
        let r = try await server.request("GET", "/v1/files/\(file)/content", key: key)
        var out: [String: String] = [:]
        for line in r.body.split(separator: "\n") {
            let o = try JSONParser.parse(String(line)).objectValue
            let text = o?["response"]?.objectValue?["body"]?.objectValue?["choices"]?.arrayValue?.first?.objectValue?["text"]?.stringValue
            if let id = o?["custom_id"]?.stringValue { out[id] = text ?? "" }
        }
        return out
    }
}
