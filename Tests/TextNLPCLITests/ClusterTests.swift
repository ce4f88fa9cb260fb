import Foundation
import Testing
import TextNLPTestSupport
import TextNLPPipeline

/// A batch submitted to PostgreSQL and run by `textnlp worker` processes: the same bytes as the embedded
/// run, one batch per idempotency key, SIGTERM within the grace period, cancel keeps what finished.
@Suite(.serialized)
struct ClusterTests {
    @Test func workersProduceTheEmbeddedRunsBytes() async throws {
        guard Cluster.available("the cluster run") else { return }
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        let (pipeline, reference) = try await CleanRun.shared.made()
        try await Cluster.with { cluster in
            let workers = Workers()
            defer { workers.killAll() }
            // Submitted before any worker runs: it waits, validating.
            let first = try await cluster.submit(pipeline, ["--idempotency-key", "nightly-2026-12-04"])
            let id = try #require(first["id"]?.stringValue)
            #expect(first["status"] == .string("validating"))
            let again = try await cluster.textnlp(["submit", pipeline, "--idempotency-key", "nightly-2026-12-04"])
            #expect(again.code == 0, "\(again.err)")
            #expect(again.out.split(separator: "\n").last.map(String.init) == id, "the id is the last line of standard output")
            #expect(again.err.contains("was already submitted"))
            let listed = try await cluster.textnlp(["batches", "--json"])
            #expect(listed.out.split(separator: "\n").count == 1, "two submits with one key gave more than one batch: \(listed.out)")

            workers["a"] = try cluster.worker("a")
            workers["b"] = try cluster.worker("b")
            let waited = try await cluster.textnlp(["submit", pipeline, "--idempotency-key", "nightly-2026-12-04", "--wait"])
            #expect(waited.code == 0, "\(waited.err)\n\(cluster.logText(of: "a"))")
            #expect(waited.out.split(separator: "\n").last.map(String.init) == id)

            let status = try await cluster.status(id)
            #expect(status["status"] == .string("completed"))
            let counts = status["request_counts"]?.objectValue
            #expect(counts?["total"] == .int(Int64(ResumeTests.rows)) && counts?["completed"] == .int(Int64(ResumeTests.rows)))
            #expect(counts?["failed"] == .int(0))
            for name in ["created_at", "in_progress_at", "finalizing_at", "completed_at"] {
                #expect(status[name]?.doubleValue != nil, "\(name) is missing")
            }
            let shards = Cluster.jobs(status).filter { $0["kind"] == .string("shard") }
            #expect(shards.count == 8)
            #expect(shards.allSatisfy { $0["state"] == .string("completed") && ($0["attempt"]?.doubleValue ?? 0) >= 1 })
            // Both workers took part (each shard records the worker that ran it).
            let ran = Set(shards.compactMap { $0["worker"]?.stringValue?.split(separator: "/").first.map(String.init) })
            #expect(ran.count == 2, "shards ran on \(ran)")

            let out = Support.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: out) }
            let download = try await cluster.textnlp(["download", id, "--output", out])
            #expect(download.code == 0, "\(download.err)")
            let downloaded = Cluster.outputs(out), embedded = Cluster.outputs(CleanRun.directory + "/clean")
            #expect(downloaded["resume/data.jsonl.zst"] == reference, "the cluster's dataset differs from the embedded run's")
            #expect(Set(downloaded.keys) == Set(embedded.keys.filter { $0 != "in.jsonl" && $0 != "p.json" }))
            let manifest = try Support.json(out + "/resume/manifest.json")
            #expect(manifest["files"]?.arrayValue?.first?.objectValue?["sha256"] == .string(SHA256.hex(Array(reference))))

            // SIGTERM: each worker stops claiming, gives back and exits 0, well within Kubernetes' 30 s.
            for (name, child) in workers.all {
                let start = Date()
                child.signal(SIGTERM)
                let code = await child.wait()
                let seconds = Date().timeIntervalSince(start)
                #expect(code == 0, "worker \(name) exited \(code): \(cluster.logText(of: name))")
                #expect(seconds < 10, "worker \(name) took \(seconds) s to stop")
                print("worker \(name) stopped in \(String(format: "%.2f", seconds)) s after SIGTERM")
            }
        }
    }

    @Test func cancelStopsRunningShardsAndKeepsFinishedParts() async throws {
        guard Cluster.available("cancel") else { return }
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        let (pipeline, _) = try await CleanRun.shared.made()
        try await Cluster.with { cluster in
            let workers = Workers()
            defer { workers.killAll() }
            let id = try #require(try await cluster.submit(pipeline)["id"]?.stringValue)
            workers["a"] = try cluster.worker("a", concurrency: 1)
            // One shard done and another running: then cancel.
            let midway = try await cluster.status(id, within: 120) { s in
                let shards = Cluster.jobs(s).filter { $0["kind"] == .string("shard") }
                return shards.contains { $0["state"] == .string("completed") } && shards.contains { $0["state"] == .string("running") }
            }
            try #require(midway["status"] == .string("in_progress"), "the batch never had a finished and a running shard: \(midway)")
            let start = Date()
            let cancel = try await cluster.textnlp(["cancel", id, "--json"])
            #expect(cancel.code == 0, "\(cancel.err)")
            let answered = try Cluster.object(cancel.out)
            // A shard still runs when the cancel lands (unless it ended in the meantime).
            #expect(["cancelling", "cancelled"].contains(answered["status"]?.stringValue ?? ""))
            #expect(answered["cancelling_at"]?.doubleValue != nil)
            let cancelled = try await cluster.status(id, within: 30) { $0["status"] == .string("cancelled") }
            let seconds = Date().timeIntervalSince(start)
            #expect(cancelled["status"] == .string("cancelled"))
            print("cancel: \(answered["status"]?.stringValue ?? "?") at once, cancelled after \(String(format: "%.2f", seconds)) s")
            #expect(seconds < 3, "the running shard took \(seconds) s to stop")
            let shards = Cluster.jobs(cancelled).filter { $0["kind"] == .string("shard") }
            let finished = shards.filter { $0["state"] == .string("completed") }.count
            #expect(finished >= 1 && finished < 8)
            #expect(!shards.contains { $0["state"] == .string("running") || $0["state"] == .string("available") })

            // The finished parts are kept and can be downloaded; there is no dataset.
            let out = Support.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: out) }
            let noDataset = try await cluster.textnlp(["download", id, "--output", out])
            #expect(noDataset.code != 0 && noDataset.err.contains("has no outputs yet"), "\(noDataset.err)")
            let parts = try await cluster.textnlp(["download", id, "--output", out, "--parts"])
            #expect(parts.code == 0, "\(parts.err)")
            let written = parts.out.split(separator: "\n").filter { $0.hasSuffix(".data.zst") }
            #expect(written.count >= finished, "\(parts.out)")

            let worker = try #require(workers["a"])
            worker.signal(SIGTERM)
            #expect(await worker.wait() == 0, "\(cluster.logText(of: "a"))")
        }
    }

    /// A worker killed (SIGKILL) while it holds a shard: another worker runs that shard within 3 s.
    @Test func aKilledWorkersShardRunsAgainWithinThreeSeconds() async throws {
        guard Cluster.available("rescue") else { return }
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        // Shards of one long completion each, so that a kill lands while one runs.
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        Support.write((1...6).map { "{\"topic\": \"the lighthouse keeper number \($0)\"}" }.joined(separator: "\n") + "\n", to: dir + "/in.jsonl")
        let pipeline = dir + "/rescue.json"
        Support.write("""
            {"name": "rescue", "model": "\(Support.modelPath)", "seed": 3, "stages": [
              {"ingest": {"path": "\(dir)/in.jsonl"}},
              {"template": {"prompt": "Chapter one. The story of {{topic}} began on a cold morning, when", "as": "prompt"}},
              {"generate": {"input": "prompt", "as": "text", "max_tokens": 128, "temperature": 0.7}},
              {"format": {"fields": {"text": "{{text}}"}}},
              {"export": {"path": "{{name}}/data.jsonl.zst"}}
            ], "execution": {"shard_rows": 1}}
            """, to: pipeline)
        try await Cluster.with { cluster in
            let workers = Workers()
            defer { workers.killAll() }
            let id = try #require(try await cluster.submit(pipeline)["id"]?.stringValue)
            // A alone takes the ingest job and then one shard; B, started then, has room for every other shard
            // and so for A's when it comes back.
            func held(_ s: JSONObject, by pid: Int32) -> [String] {
                Cluster.jobs(s).filter { $0["state"] == .string("running") && ($0["worker"]?.stringValue ?? "").contains(":\(pid)/") }
                    .compactMap { $0["key"]?.stringValue }.filter { $0.hasPrefix("shard") }
            }
            var a = try cluster.worker("a", concurrency: 1)
            workers["a"] = a
            _ = try await cluster.status(id, within: 120) { !held($0, by: a.pid).isEmpty }
            let b = try cluster.worker("b", concurrency: 8)
            workers["b"] = b
            // Kill A as soon as both hold a shard; A's shard may still end before the signal lands, then again.
            var rescue: (shard: String, seconds: Double, job: JSONObject)?
            for attempt in 1...5 where rescue == nil {
                let both = try await cluster.status(id, within: 120) {
                    (!held($0, by: a.pid).isEmpty && !held($0, by: b.pid).isEmpty) || $0["status"] != .string("in_progress")
                }
                guard let victim = held(both, by: a.pid).first else { break }
                a.signal(SIGKILL)
                let killed = Date()
                _ = await a.wait()
                let after = try await cluster.status(id, within: 10) { s in
                    Cluster.jobs(s).contains { $0["key"] == .string(victim) && (
                        $0["state"] == .string("completed") || ($0["state"] == .string("running") && ($0["worker"]?.stringValue ?? "").contains(":\(b.pid)/"))) }
                }
                let seconds = Date().timeIntervalSince(killed)
                let job = try #require(Cluster.jobs(after).first { $0["key"] == .string(victim) })
                let errors = job["errors"]?.arrayValue?.compactMap { $0.objectValue?["message"]?.stringValue } ?? []
                if errors.contains(where: { $0.contains("rescued") }) {
                    rescue = (victim, seconds, job)
                } else {
                    print("rescue: shard \(victim) ended before the kill (try \(attempt)); again")
                    a = try cluster.worker("a\(attempt)", concurrency: 1)
                    workers["a"] = a
                }
            }
            let rescued = try #require(rescue, "no kill landed while worker a held a shard")
            print("rescue: shard \(rescued.shard) of a killed worker running again on another after \(String(format: "%.2f", rescued.seconds)) s")
            #expect(rescued.seconds < 3, "shard \(rescued.shard) was back after \(rescued.seconds) s: \(rescued.job)")

            let done = try await cluster.status(id, within: 180) { ($0["status"]?.stringValue).map { ["completed", "failed"].contains($0) } ?? false }
            #expect(done["status"] == .string("completed"), "\(cluster.logText(of: "b"))")
            b.signal(SIGTERM)
            #expect(await b.wait() == 0)
        }
    }

    /// PostgreSQL restarted (`pg_ctl restart -m fast`) in the middle of a batch, on a server of the test's
    /// own: the workers wait, reconnect, and the batch completes with the same dataset.
    @Test func workersRideOutADatabaseRestart() async throws {
        guard Cluster.available("the database restart") else { return }
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        let (pipeline, reference) = try await CleanRun.shared.made()
        let server = PrivateServer()
        let url = try await server.start()
        defer { server.stop() }
        let cluster = Cluster(url: url)
        let workers = Workers()
        defer { workers.killAll() }
        workers["a"] = try cluster.worker("a")
        workers["b"] = try cluster.worker("b")
        let id = try #require(try await cluster.submit(pipeline)["id"]?.stringValue)
        let midway = try await cluster.status(id, within: 120) { s in
            Cluster.jobs(s).filter { $0["kind"] == .string("shard") && $0["state"] == .string("completed") }.count >= 2
        }
        try #require(midway["status"] == .string("in_progress"), "the batch was not midway: \(midway)")
        try await server.restart()
        let done = try await cluster.status(id, within: 180) { ($0["status"]?.stringValue).map { ["completed", "failed"].contains($0) } ?? false }
        #expect(done["status"] == .string("completed"), "\(done)\n\(cluster.logText(of: "a"))")
        let out = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        _ = try await cluster.textnlp(["download", id, "--output", out])
        #expect(Cluster.outputs(out)["resume/data.jsonl.zst"] == reference, "the dataset after the restart differs from the embedded run's")
        let logs = cluster.logText(of: "a") + cluster.logText(of: "b")
        print("database restart: worker log lines about it:\n" + logs.split(separator: "\n").filter {
            $0.contains("database") || $0.contains("store") || $0.contains("rescued") || $0.contains("returned")
        }.prefix(8).joined(separator: "\n"))
        for (name, child) in workers.all {
            child.signal(SIGTERM)
            #expect(await child.wait() == 0, "worker \(name): \(cluster.logText(of: name))")
        }
    }

    @Test func badDatabaseURLsGiveOneLineNamingHostAndDatabase() async throws {
        let refused = try await Support.textnlp(["status", "b1", "--database-url", "postgres://u:p@127.0.0.1:1/nightly"])
        #expect(refused.code != 0)
        let line = refused.err.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!line.contains("\n"), "more than one line: \(line)")
        #expect(line.contains("127.0.0.1:1") && line.contains("nightly"), "\(line)")

        let malformed = try await Support.textnlp(["batches", "--database-url", "mysql://h/db"])
        #expect(malformed.code != 0)
        #expect(malformed.err.contains("postgres"), "\(malformed.err)")

        let none = try await Support.textnlp(["submit", "Pipelines/quickstart.json"])
        #expect(none.code != 0 && none.err.contains("DATABASE_URL"), "\(none.err)")

        guard Cluster.available("a missing database"), let base = TestDatabase.url, var url = URLComponents(string: base) else { return }
        url.path = "/no_such_database_here"
        let missing = try await Support.textnlp(["batches", "--database-url", url.string ?? base])
        #expect(missing.code != 0)
        #expect(missing.err.contains("no_such_database_here") && missing.err.contains(url.host ?? "?"), "\(missing.err)")
        #expect(missing.err.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(missing.err)")
    }

    /// A role that may log in but not read the tables (or not even connect): one line naming host and
    /// database, a non-zero exit, and the batch that is there stays as it was.
    @Test func aMissingPermissionGivesOneLineAndLosesNoJob() async throws {
        guard Cluster.available("a missing permission") else { return }
        try await Cluster.with { cluster in
            let submitted = try await cluster.submit("Pipelines/quickstart.json")
            let id = try #require(submitted["id"]?.stringValue)
            let role = "textnlp_noperm_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
            try await TestDatabase.admin("CREATE ROLE \(role) LOGIN PASSWORD 'p'")
            do {
                try await Self.checkRefusals(of: cluster.url, batch: id, as: role)
            } catch {
                try? await TestDatabase.admin("DROP ROLE IF EXISTS \(role)")
                throw error
            }
            try await TestDatabase.admin("DROP ROLE IF EXISTS \(role)")
            let after = try await cluster.status(id)
            #expect(after["status"] == submitted["status"] && Cluster.jobs(after).count == Cluster.jobs(submitted).count, "\(after)")
        }

    }

    /// `status` and `worker` as a role without rights on the tables, then `batches` without the right to connect.
    static func checkRefusals(of base: String, batch id: String, as role: String) async throws {
        var url = try #require(URLComponents(string: base))
        url.user = role
        url.password = "p"
        let database = String(url.path.dropFirst())
        for command in [["status", id], ["worker", "--concurrency", "1"]] {
            let r = try await Support.textnlp(command + ["--database-url", url.string ?? ""])
            let line = r.err.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(r.code != 0, "\(command[0]) with no rights exited 0")
            #expect(line.contains("permission denied") && line.contains(database) && line.contains(url.host ?? "?"), "\(command[0]): \(line)")
            #expect(!line.contains("\n"), "\(command[0]): more than one line: \(line)")
        }
        try await TestDatabase.admin("REVOKE CONNECT ON DATABASE \(database) FROM PUBLIC")
        let refused = try await Support.textnlp(["batches", "--database-url", url.string ?? ""])
        #expect(refused.code != 0 && refused.err.contains("permission denied for database"), "\(refused.err)")
    }
}
