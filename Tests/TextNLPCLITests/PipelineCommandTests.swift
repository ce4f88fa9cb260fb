import Foundation
import Testing
@testable import TextNLPPipeline

/// `textnlp validate`, `run` and `status` as a user calls them.
struct CommandTests {
    @Test func validateListsEveryProblemAndExitsTwo() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        Support.write(#"{"name": "x", "model": "nope", "stages": [{"ingest": {"path": "missing.jsonl"}}, {"generate": {"temperature": 9}}, {"export": {"path": "../out.zst"}}], "extra": 1}"#, to: dir + "/p.json")
        let r = try await Support.textnlp(["validate", dir + "/p.json"])
        #expect(r.code == 2)
        for line in ["stages[1].generate.temperature: must be between 0 and 2", "stages[2].export.path: must stay inside the output root",
                     "extra: unknown key"] {
            #expect(r.out.contains(line), "\(line) not in:\n\(r.out)")
        }
        let ok = try await Support.textnlp(["validate", "Pipelines/quickstart.json", "--json"])
        #expect(ok.code == 0)
        #expect(try JSONParser.parse(ok.out.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue?["valid"] == .bool(true))
    }

    @Test func runRefusesBadPipelinesBeforeDoingAnything() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        Support.write(#"{"name": "x", "model": "no-such-model", "stages": [{"ingest": {"path": "\#(dir)/none.jsonl"}}, {"template": {"prompt": "{{q}}"}}, {"generate": {}}, {"export": {}}]}"#, to: dir + "/p.json")
        let r = try await Support.textnlp(["run", dir + "/p.json", "--output-root", dir + "/out"])
        #expect(r.code == 2)
        #expect(r.err.contains("stages[0].ingest.path: no such file: \(dir)/none.jsonl"))
        #expect(r.err.contains("model: unknown model 'no-such-model'"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
        let unreadable = try await Support.textnlp(["run", dir + "/nothing.json"])
        #expect(unreadable.code == 2 && unreadable.err.contains("cannot read the file"))
    }

    @Test func unwritableOutputRootIsAClearError() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        Support.write("{\"id\": \"a\", \"t\": \"x\"}\n", to: dir + "/in.jsonl")
        Support.write(#"{"name": "x", "stages": [{"ingest": {"path": "\#(dir)/in.jsonl"}}, {"export": {}}]}"#, to: dir + "/p.json")
        Support.write("a file, not a directory", to: dir + "/file")
        let r = try await Support.textnlp(["run", dir + "/p.json", "--output-root", dir + "/file/out"])
        #expect(r.code == 1)
        #expect(r.err.contains("\(dir)/file/out/batches/"), "\(r.err)")
        #expect(r.err.split(separator: "\n").last?.hasPrefix("textnlp: error:") == true)
    }

    @Test func aTruncatedModelFailsTheBatchOnceNamingTheFile() async throws {
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let whole = try Data(contentsOf: URL(fileURLWithPath: Support.modelPath))
        let model = dir + "/half.gguf"
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: model))
        Support.write((1...12).map { "{\"id\": \"r\($0)\", \"t\": \"topic \($0)\"}" }.joined(separator: "\n"), to: dir + "/in.jsonl")
        Support.write(#"{"name": "t", "model": "\#(model)", "stages": [{"ingest": {"path": "\#(dir)/in.jsonl"}}, {"template": {"prompt": "{{t}}"}}, {"generate": {"max_tokens": 4}}, {"export": {}}], "execution": {"shard_rows": 2, "workers": 2, "max_attempts": 3}}"#, to: dir + "/p.json")
        let started = Date()
        let run = try await Support.textnlp(["run", dir + "/p.json", "--output-root", dir + "/out", "--quiet"])
        let seconds = Date().timeIntervalSince(started)
        #expect(run.code == 1)
        let lines = run.err.split(separator: "\n").filter { $0.contains("file is truncated") }
        #expect(lines.contains { $0.contains("shard-") && $0.contains(model) }, "\(run.err)")
        let json = try await Support.textnlp(["status", "--json", "--output-root", dir + "/out"])
        let status = try JSONParser.parse(json.out.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue
        #expect(status?["status"] == .string("failed"))
        let shards = (status?["jobs"]?.arrayValue ?? []).compactMap(\.objectValue).filter { $0["kind"] == .string("shard") }
        try #require(shards.count == 6)
        // One shard spent one attempt and says why; no other shard spent any.
        let failed = shards.filter { $0["state"] == .string("discarded") }
        #expect(failed.count == 1)
        #expect(failed.first?["attempt"] == .int(1))
        let errors = failed.first?["errors"]?.arrayValue ?? []
        #expect(errors.count == 1 && errors.first?.objectValue?["message"]?.stringValue?.contains(model) == true, "\(errors)")
        #expect(shards.filter { $0["state"] != .string("discarded") }.allSatisfy { $0["attempt"] == .int(0) && $0["errors"] == nil })
        print("truncated model: the batch failed in \(String(format: "%.2f", seconds)) s")
    }

    @Test func statusShowsABatchAsTextAndJSON() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        Support.write((1...5).map { "{\"id\": \"r\($0)\", \"t\": \"text \($0)\"}" }.joined(separator: "\n"), to: dir + "/in.jsonl")
        Support.write(#"{"name": "s", "stages": [{"ingest": {"path": "\#(dir)/in.jsonl"}}, {"export": {}}], "execution": {"shard_rows": 2}}"#, to: dir + "/p.json")
        let run = try await Support.textnlp(["run", dir + "/p.json", "--output-root", dir + "/out"])
        #expect(run.code == 0, "\(run.err)")
        #expect(run.out.contains("rows: 5 written, 0 dropped"))
        let text = try await Support.textnlp(["status", "--output-root", dir + "/out"])
        #expect(text.code == 0)
        #expect(text.out.contains(": completed") && text.out.contains("shards: 3/3 completed; rows: 5/5"))
        let json = try await Support.textnlp(["status", "--json", "--output-root", dir + "/out"])
        let status = try JSONParser.parse(json.out.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue
        #expect(status?["status"] == .string("completed"))
        #expect(status?["jobs"]?.arrayValue?.count == 5)
        let again = try await Support.textnlp(["run", dir + "/p.json", "--output-root", dir + "/out"])
        #expect(again.code == 0 && again.err.contains("already completed"))
        let missing = try await Support.textnlp(["status", dir + "/nowhere"])
        #expect(missing.code == 1 && missing.err.contains("not a batch directory"))
    }

    @Test func nonInteractiveRunsLogProgressLines() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        Support.write((1...3).map { "{\"id\": \"r\($0)\"}" }.joined(separator: "\n"), to: dir + "/in.jsonl")
        Support.write(#"{"name": "p", "stages": [{"ingest": {"path": "\#(dir)/in.jsonl"}}, {"export": {}}]}"#, to: dir + "/p.json")
        let r = try await Support.textnlp(["run", dir + "/p.json", "--output-root", dir + "/out"])
        #expect(r.code == 0)
        // Without a terminal: no carriage returns or escape codes on standard error.
        #expect(!r.err.contains("\r") && !r.err.contains("\u{1B}"))
        #expect(r.err.hasPrefix("textnlp: batch p-"))
    }
}
