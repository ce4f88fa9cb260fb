import Foundation
import Testing
import TextNLPTestSupport
import TextNLPInference
@testable import TextNLPPipeline

/// A real pipeline on the real model, stopped by SIGTERM and killed by SIGKILL in the middle, then resumed:
/// the dataset is byte-identical to that of a run that was never interrupted, and finished shards are not
/// generated again.
@Suite(.serialized)
struct ResumeTests {
    static let rows = 24

    /// Starts `textnlp run`, waits until at least `shards` shard parts exist, then sends `signal`.
    func interrupt(_ pipeline: String, root: String, after shards: Int, signal: Int32) async throws -> (code: Int32, err: String, done: Set<String>) {
        let errPath = NSTemporaryDirectory() + "textnlp-resume-\(UUID().uuidString).err"
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let child = try Child(Support.executable, ["run", pipeline, "--output-root", root, "--quiet"],
                              directory: Support.packageRoot.path, environment: Support.embedded, stderr: errPath)
        let deadline = Date().addingTimeInterval(120)
        var done: Set<String> = []
        while Date() < deadline {
            done = Self.parts(root)
            if done.count >= shards { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        child.signal(signal)
        let code = await child.wait()
        return (code, String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self), done)
    }

    static func parts(_ root: String) -> Set<String> {
        let batches = root + "/batches"
        guard let batch = try? FileManager.default.contentsOfDirectory(atPath: batches).first else { return [] }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(batches)/\(batch)/parts")) ?? []
        return Set(files.filter { $0.hasSuffix(".stats.json") })
    }

    @Test func interruptedAndKilledRunsResumeToTheSameBytes() async throws {
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (pipeline, reference) = try await CleanRun.shared.made()
        let rows = try await Support.zstdDecompress(CleanRun.dataset).split(separator: "\n")
        #expect(rows.count == Self.rows)

        // SIGTERM: a clean stop, exit 130, nothing running left behind.
        let root = dir + "/interrupted"
        let term = try await interrupt(pipeline, root: root, after: 2, signal: SIGTERM)
        #expect(term.code == 130, "\(term.err)")
        #expect(term.err.contains("Run the same command to resume"))
        let afterTerm = try await Support.textnlp(["status", "--json", "--output-root", root])
        let jobs = try JSONParser.parse(afterTerm.out.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue?["jobs"]?.arrayValue ?? []
        #expect(!jobs.contains { $0.objectValue?["state"] == .string("running") })
        #expect(!jobs.contains { $0.objectValue?["errors"] != nil }, "a clean stop spends no attempt")

        // SIGKILL in the middle of a shard.
        let kill9 = try await interrupt(pipeline, root: root, after: term.done.count + 2, signal: SIGKILL)
        #expect(kill9.code != 0)
        let finishedBeforeKill = Self.parts(root)
        let batch = try FileManager.default.contentsOfDirectory(atPath: root + "/batches")[0]
        let stamps = try finishedBeforeKill.map { name in
            try FileManager.default.attributesOfItem(atPath: "\(root)/batches/\(batch)/parts/\(name)")[.modificationDate] as? Date
        }

        let resumed = try await Support.textnlp(["run", pipeline, "--output-root", root, "--quiet"])
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

/// The pipeline of the stop and resume tests, and the dataset of its uninterrupted run, made once for all of them.
actor CleanRun {
    static let shared = CleanRun()
    static let directory = Support.temporaryDirectory()
    static var dataset: String { directory + "/clean/resume/data.jsonl.zst" }
    private var run: Task<(pipeline: String, dataset: Data), any Error>?

    func made() async throws -> (pipeline: String, dataset: Data) {
        if let run { return try await run.value }
        let task = Task { try await Self.make() }
        run = task
        return try await task.value
    }

    private static func make() async throws -> (pipeline: String, dataset: Data) {
        let questions = (1...ResumeTests.rows).map { i in
            "{\"id\": \"q\(i)\", \"topic\": \"\(["tea", "rivers", "bicycles", "owls", "bread", "snow"][i % 6]) number \(i)\"}"
        }
        Support.write(questions.joined(separator: "\n") + "\n", to: directory + "/in.jsonl")
        let text = """
            {"name": "resume", "model": "\(Support.modelPath)", "seed": 11, "stages": [
              {"ingest": {"path": "\(directory)/in.jsonl"}},
              {"template": {"system": "You are brief.", "prompt": "Say one sentence about {{topic}}.", "as": "messages"}},
              {"generate": {"input": "messages", "as": "text", "max_tokens": 24, "temperature": 0.9, "top_p": 0.95}},
              {"format": {"fields": {"topic": "{{topic}}", "text": "{{text}}", "tokens": "{{text_completion_tokens}}"}}},
              {"export": {"path": "{{name}}/data.jsonl.zst"}}
            ], "execution": {"shard_rows": 3, "workers": 2}, "engine": {"max_sequences": 6}}
            """
        let pipeline = directory + "/p.json"
        Support.write(text, to: pipeline)
        let clean = try await Support.textnlp(["run", pipeline, "--output-root", directory + "/clean", "--quiet"])
        guard clean.code == 0 else { throw CleanRunError(stderr: clean.err) }
        return (pipeline, try Data(contentsOf: URL(fileURLWithPath: dataset)))
    }
}

struct CleanRunError: Error, CustomStringConvertible {
    var stderr: String
    var description: String { "the uninterrupted run failed:\n\(stderr)" }
}
