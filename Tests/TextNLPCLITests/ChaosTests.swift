import Foundation
import Testing
import TextNLPTestSupport
import TextNLPPipeline

/// Four `textnlp worker` processes run a 60-row batch while one of them, chosen at random, is killed with
/// SIGKILL every second and started again: every row is in the dataset once, and the dataset is the
/// embedded run's, byte for byte.
struct ChaosTests {
    static let rows = 60

    /// The pipeline and its embedded run's dataset. A rescued attempt counts (a shard that kills its worker
    /// each time must end), and a kill a second under load hits the same shard more than the default three
    /// times: this pipeline allows twenty.
    func embeddedRun(in directory: String) async throws -> (pipeline: String, dataset: Data) {
        let input = (1...Self.rows).map { i in
            "{\"id\": \"c\(i)\", \"topic\": \"\(["maps", "clocks", "ferns", "kites", "salt"][i % 5]) \(i)\"}"
        }
        Support.write(input.joined(separator: "\n") + "\n", to: directory + "/in.jsonl")
        let pipeline = directory + "/chaos.json"
        Support.write("""
            {"name": "chaos", "model": "\(Support.modelPath)", "seed": 5, "stages": [
              {"ingest": {"path": "\(directory)/in.jsonl"}},
              {"template": {"prompt": "Write about {{topic}}:", "as": "messages"}},
              {"generate": {"input": "messages", "as": "text", "max_tokens": 16, "temperature": 0.8}},
              {"format": {"fields": {"id": "{{id}}", "text": "{{text}}"}}},
              {"export": {"path": "{{name}}/data.jsonl.zst"}}
            ], "execution": {"shard_rows": 3, "lease_seconds": 10, "max_attempts": 20}, "engine": {"max_sequences": 6}}
            """, to: pipeline)
        let run = try await Support.textnlp(["run", pipeline, "--output-root", directory + "/embedded", "--quiet"])
        try #require(run.code == 0, "the embedded run failed: \(run.err)")
        return (pipeline, try Data(contentsOf: URL(fileURLWithPath: directory + "/embedded/chaos/data.jsonl.zst")))
    }

    @Test func randomKillsLoseNoRowAndChangeNoByte() async throws {
        guard Cluster.available("the chaos test") else { return }
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (pipeline, reference) = try await embeddedRun(in: dir)
        try await Cluster.with { cluster in
            let workers = Workers()
            defer { workers.killAll() }
            var started = 0
            func start(_ slot: Int) throws {
                started += 1
                workers["slot\(slot)"] = try cluster.worker("w\(started)")
            }
            for slot in 0..<4 { try start(slot) }
            let id = try #require(try await cluster.submit(pipeline)["id"]?.stringValue)
            let begin = Date()
            var kills = 0, killsHoldingShards = 0
            var generator = SystemRandomNumberGenerator()
            var status = try await cluster.status(id)
            while !(["completed", "failed", "cancelled"].contains(status["status"]?.stringValue ?? "")) && Date().timeIntervalSince(begin) < 300 {
                try await Task.sleep(for: .seconds(1))
                let slot = Int.random(in: 0..<4, using: &generator)
                guard let victim = workers["slot\(slot)"] else { continue }
                status = try await cluster.status(id)
                let held = Cluster.jobs(status).contains {
                    $0["state"] == .string("running") && ($0["worker"]?.stringValue ?? "").contains(":\(victim.pid)/")
                }
                victim.signal(SIGKILL)
                _ = await victim.wait()
                kills += 1
                if held { killsHoldingShards += 1 }
                try start(slot)
                status = try await cluster.status(id)
            }
            let seconds = Date().timeIntervalSince(begin)
            let jobs = Cluster.jobs(status)
            let rescued = jobs.flatMap { $0["errors"]?.arrayValue ?? [] }.filter {
                $0.objectValue?["message"]?.stringValue?.contains("rescued") ?? false
            }.count
            print("chaos: \(Self.rows) rows, \(jobs.count) jobs, \(kills) SIGKILLs (\(killsHoldingShards) of workers holding a shard), \(rescued) rescued attempts, \(String(format: "%.1f", seconds)) s")
            #expect(status["status"] == .string("completed"), "\(status)")
            #expect(killsHoldingShards >= 2, "too few kills hit a running shard to test anything")
            #expect(rescued >= 1, "no attempt was recorded as rescued")

            let out = dir + "/downloaded"
            let download = try await cluster.textnlp(["download", id, "--output", out])
            #expect(download.code == 0, "\(download.err)")
            let dataset = try Data(contentsOf: URL(fileURLWithPath: out + "/chaos/data.jsonl.zst"))
            let lines = try await Support.zstdDecompress(out + "/chaos/data.jsonl.zst").split(separator: "\n")
            let ids = lines.compactMap { line in (try? JSONParser.parse(String(line)))?.objectValue?["id"]?.stringValue }
            #expect(ids.count == Self.rows && Set(ids).count == Self.rows, "rows missing or repeated: \(ids.count) lines, \(Set(ids).count) ids")
            #expect(dataset == reference, "the dataset differs from the embedded run's")
            for (_, child) in workers.all { child.signal(SIGTERM) }
            for (_, child) in workers.all { _ = await child.wait() }
        }
    }
}
