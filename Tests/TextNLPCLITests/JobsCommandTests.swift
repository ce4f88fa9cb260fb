import Foundation
import Testing
import TextNLPPipeline
import TextNLPTestSupport

/// `textnlp jobs bench` pushes its jobs through the real store and leaves nothing behind; `jobs prune`
/// removes finished batches past the retention and keeps the rest.
struct JobsCommandTests {
    @Test func benchCompletesEveryJobAndCleansUp() async throws {
        guard Cluster.available("jobs bench") else { return }
        try await Cluster.with { cluster in
            let r = try await cluster.textnlp(["jobs", "bench", "--jobs", "1500", "--workers", "3", "--batch", "100", "--json"])
            #expect(r.code == 0, "\(r.err)")
            let o = try Cluster.object(r.out)
            #expect(o["jobs"] == .int(1500))
            #expect((o["jobs_per_second"]?.doubleValue ?? 0) > 0)
            // Its jobs are gone: nothing is left for a worker to find.
            let batches = try await cluster.textnlp(["batches", "--json"])
            #expect(batches.code == 0 && batches.out.isEmpty, "\(batches.out)\(batches.err)")
            let bad = try await cluster.textnlp(["jobs", "bench", "--workers", "0"])
            #expect(bad.code != 0 && bad.err.contains("--workers"), "\(bad.err)")
        }
    }

    @Test func pruneKeepsWhatIsWithinTheRetention() async throws {
        guard Cluster.available("jobs prune") else { return }
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        try await Cluster.with { cluster in
            // A batch that fails at once (its input is gone by the time a worker reads it) is finished work.
            let dir = Support.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            Support.write("{\"q\": \"one\"}\n", to: dir + "/in.jsonl")
            Support.write("""
                {"name": "prune", "stages": [{"ingest": {"path": "\(dir)/in.jsonl"}}, {"export": {"path": "{{name}}/data.jsonl.zst"}}]}
                """, to: dir + "/p.json")
            let workers = Workers()
            defer { workers.killAll() }
            workers["a"] = try cluster.worker("a")
            let submitted = try await cluster.textnlp(["submit", dir + "/p.json", "--wait"])
            #expect(submitted.code == 0, "\(submitted.err)\n\(cluster.logText(of: "a"))")
            let id = submitted.out.split(separator: "\n").last.map(String.init) ?? ""
            let kept = try await cluster.textnlp(["jobs", "prune", "--retention-days", "1"])
            #expect(kept.code == 0 && kept.out.contains("pruned 0"), "\(kept.out)\(kept.err)")
            #expect(try await cluster.status(id)["status"] == .string("completed"))
            // Finished a moment ago: a retention of zero prunes it, jobs, artifacts and all.
            try await Task.sleep(for: .milliseconds(50))
            let pruned = try await cluster.textnlp(["jobs", "prune", "--retention-days", "0"])
            #expect(pruned.code == 0 && pruned.out.contains("pruned 1"), "\(pruned.out)\(pruned.err)")
            let gone = try await cluster.textnlp(["status", id])
            #expect(gone.code != 0 && gone.err.contains("no batch"), "\(gone.err)")
        }
    }
}
