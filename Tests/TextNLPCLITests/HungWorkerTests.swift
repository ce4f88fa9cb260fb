import Foundation
import Testing
import TextNLPTestSupport
import TextNLPPipeline

/// A worker that hangs with its database session still open (SIGSTOP: the connection stays up, the
/// session's advisory lock stays held) loses its shard when its lease expires, and when it wakes up its
/// late answer is refused: the dataset has every row once.
struct HungWorkerTests {
    static let lease = 5

    @Test func aHungWorkersShardRunsAgainWhenItsLeaseExpires() async throws {
        guard Cluster.available("the hung worker") else { return }
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        Support.write((1...4).map { "{\"id\": \"h\($0)\", \"topic\": \"the ferry pilot number \($0)\"}" }.joined(separator: "\n") + "\n",
                      to: dir + "/in.jsonl")
        let pipeline = dir + "/hung.json"
        Support.write("""
            {"name": "hung", "model": "\(Support.modelPath)", "seed": 9, "stages": [
              {"ingest": {"path": "\(dir)/in.jsonl"}},
              {"template": {"prompt": "Chapter one. The story of {{topic}} began at dawn, when", "as": "prompt"}},
              {"generate": {"input": "prompt", "as": "text", "max_tokens": 200, "temperature": 0.7}},
              {"format": {"fields": {"id": "{{id}}", "text": "{{text}}"}}},
              {"export": {"path": "{{name}}/data.jsonl.zst"}}
            ], "execution": {"shard_rows": 1, "max_attempts": 5}}
            """, to: pipeline)
        try await Cluster.with { cluster in
            let workers = Workers()
            defer {
                workers["a"]?.signal(SIGCONT)
                workers.killAll()
            }
            let id = try #require(try await cluster.submit(pipeline)["id"]?.stringValue)
            func held(_ s: JSONObject, by pid: Int32) -> [String] {
                Cluster.jobs(s).filter { $0["state"] == .string("running") && ($0["worker"]?.stringValue ?? "").contains(":\(pid)/") }
                    .compactMap { $0["key"]?.stringValue }.filter { $0.hasPrefix("shard") }
            }
            let a = try cluster.worker("a", concurrency: 1, arguments: ["--lease-seconds", "\(Self.lease)"])
            workers["a"] = a
            // Stop A while it holds a shard. What the status says after the stop is settled (A can change nothing
            // any more); a shard that A finished just before the signal landed does not count, then again.
            var stop: (victim: String, at: Date)?
            for _ in 1...5 where stop == nil {
                _ = try await cluster.status(id, within: 120) { !held($0, by: a.pid).isEmpty || $0["status"] != .string("in_progress") }
                a.signal(SIGSTOP)
                let at = Date()
                if let victim = held(try await cluster.status(id), by: a.pid).first {
                    stop = (victim, at)
                } else {
                    a.signal(SIGCONT)
                }
            }
            let (victim, stopped) = try #require(stop, "worker a was never stopped holding a shard: \(cluster.logText(of: "a"))")
            let b = try cluster.worker("b", concurrency: 4)
            workers["b"] = b
            // A's session is open all along: only the lease can give its shard back.
            let back = try await cluster.status(id, within: Double(Self.lease) + 25) { s in
                Cluster.jobs(s).contains { $0["key"] == .string(victim) && ($0["attempt"]?.doubleValue ?? 1) >= 2 }
            }
            let seconds = Date().timeIntervalSince(stopped)
            let job = try #require(Cluster.jobs(back).first { $0["key"] == .string(victim) })
            let errors = job["errors"]?.arrayValue?.compactMap { $0.objectValue?["message"]?.stringValue } ?? []
            #expect(errors.contains { $0.contains("lease expired") }, "shard \(victim) did not come back by its lease: \(job)")
            #expect(seconds >= Double(Self.lease) - 1, "shard \(victim) came back after \(seconds) s, before its \(Self.lease) s lease ran out")
            print("hung worker: shard \(victim) running again \(String(format: "%.2f", seconds)) s after its worker stopped (lease \(Self.lease) s)")

            // A wakes up and finishes its attempt late: the store refuses it, and nothing is written twice.
            a.signal(SIGCONT)
            let done = try await cluster.status(id, within: 180) { ($0["status"]?.stringValue).map { ["completed", "failed"].contains($0) } ?? false }
            #expect(done["status"] == .string("completed"), "\(done)\n\(cluster.logText(of: "b"))")
            let out = Support.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: out) }
            let download = try await cluster.textnlp(["download", id, "--output", out])
            try #require(download.code == 0, "download failed: \(download.err)")
            let rows = try await Support.zstdDecompress(out + "/hung/data.jsonl.zst").split(separator: "\n")
            let ids = try rows.map { line in try #require(try JSONParser.parse(String(line)).objectValue?["id"]?.stringValue) }
            #expect(ids.sorted() == ["h1", "h2", "h3", "h4"], "rows: \(ids)")
            for (name, child) in workers.all {
                child.signal(SIGTERM)
                #expect(await child.wait() == 0, "worker \(name): \(cluster.logText(of: name))")
            }
        }
    }
}
