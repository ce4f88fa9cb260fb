import Foundation
import Testing
import TextNLPInference
@testable import TextNLPPipeline

/// A real pipeline on the real model, stopped by SIGTERM and killed by SIGKILL in the middle, then resumed:
/// the dataset is byte-identical to that of a run that was never interrupted, and finished shards are not
/// generated again.
@Suite(.serialized)
struct ResumeTests {
    static let rows = 24

    func pipeline(_ dir: String) -> String {
        let questions = (1...Self.rows).map { i in
            "{\"id\": \"q\(i)\", \"topic\": \"\(["tea", "rivers", "bicycles", "owls", "bread", "snow"][i % 6]) number \(i)\"}"
        }
        Support.write(questions.joined(separator: "\n") + "\n", to: dir + "/in.jsonl")
        let text = """
            {"name": "resume", "model": "\(Support.modelPath)", "seed": 11, "stages": [
              {"ingest": {"path": "\(dir)/in.jsonl"}},
              {"template": {"system": "You are brief.", "prompt": "Say one sentence about {{topic}}.", "as": "messages"}},
              {"generate": {"input": "messages", "as": "text", "max_tokens": 24, "temperature": 0.9, "top_p": 0.95}},
              {"format": {"fields": {"topic": "{{topic}}", "text": "{{text}}", "tokens": "{{text_completion_tokens}}"}}},
              {"export": {"path": "{{name}}/data.jsonl.zst"}}
            ], "execution": {"shard_rows": 3, "workers": 2}, "engine": {"max_sequences": 6}}
            """
        Support.write(text, to: dir + "/p.json")
        return dir + "/p.json"
    }

    /// Starts `textnlp run`, waits until at least `shards` shard parts exist, then sends `signal`.
    func interrupt(_ pipeline: String, root: String, after shards: Int, signal: Int32) throws -> (code: Int32, err: String, done: Set<String>) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Support.executable)
        process.arguments = ["run", pipeline, "--output-root", root, "--quiet"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        var done: Set<String> = []
        while Date() < deadline {
            done = Self.parts(root)
            if done.count >= shards { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, signal)
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: e, as: UTF8.self), done)
    }

    static func parts(_ root: String) -> Set<String> {
        let batches = root + "/batches"
        guard let batch = try? FileManager.default.contentsOfDirectory(atPath: batches).first else { return [] }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(batches)/\(batch)/parts")) ?? []
        return Set(files.filter { $0.hasSuffix(".stats.json") })
    }

    @Test func interruptedAndKilledRunsResumeToTheSameBytes() throws {
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pipeline = pipeline(dir)

        let clean = try Support.textnlp(["run", pipeline, "--output-root", dir + "/clean", "--quiet"])
        try #require(clean.code == 0, "\(clean.err)")
        let reference = try Data(contentsOf: URL(fileURLWithPath: dir + "/clean/resume/data.jsonl.zst"))
        let rows = try Support.zstdDecompress(dir + "/clean/resume/data.jsonl.zst").split(separator: "\n")
        #expect(rows.count == Self.rows)

        // SIGTERM: a clean stop, exit 130, nothing running left behind.
        let root = dir + "/interrupted"
        let term = try interrupt(pipeline, root: root, after: 2, signal: SIGTERM)
        #expect(term.code == 130, "\(term.err)")
        #expect(term.err.contains("Run the same command to resume"))
        let afterTerm = try Support.textnlp(["status", "--json", "--output-root", root])
        let jobs = try JSONParser.parse(afterTerm.out.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue?["jobs"]?.arrayValue ?? []
        #expect(!jobs.contains { $0.objectValue?["state"] == .string("running") })
        #expect(!jobs.contains { $0.objectValue?["errors"] != nil }, "a clean stop spends no attempt")

        // SIGKILL in the middle of a shard.
        let kill9 = try interrupt(pipeline, root: root, after: term.done.count + 2, signal: SIGKILL)
        #expect(kill9.code != 0)
        let finishedBeforeKill = Self.parts(root)
        let batch = try FileManager.default.contentsOfDirectory(atPath: root + "/batches")[0]
        let stamps = try finishedBeforeKill.map { name in
            try FileManager.default.attributesOfItem(atPath: "\(root)/batches/\(batch)/parts/\(name)")[.modificationDate] as? Date
        }

        let resumed = try Support.textnlp(["run", pipeline, "--output-root", root, "--quiet"])
        #expect(resumed.code == 0, "\(resumed.err)")
        let output = try Data(contentsOf: URL(fileURLWithPath: root + "/resume/data.jsonl.zst"))
        #expect(output == reference, "the resumed dataset differs from the uninterrupted one")
        // Shards finished before the kill were not generated again.
        let stampsAfter = try finishedBeforeKill.map { name in
            try FileManager.default.attributesOfItem(atPath: "\(root)/batches/\(batch)/parts/\(name)")[.modificationDate] as? Date
        }
        #expect(stamps == stampsAfter)
        #expect(finishedBeforeKill.count < 8, "the kill came after the batch had finished; nothing was tested")
        let manifest = try Support.json(root + "/resume/manifest.json")
        #expect(manifest["files"]?.arrayValue?.first?.objectValue?["sha256"] == .string(SHA256.hex(Array(output))))
        // The engine's arithmetic is recorded with the model.
        #expect(manifest["model"]?.objectValue?["activations"] == .string(ActivationPrecision.automatic.rawValue))
        #expect(manifest["model"]?.objectValue?["kv_cache"] == .string("f16"))
    }
}
