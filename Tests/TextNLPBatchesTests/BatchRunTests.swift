import Foundation
import Testing
import TextNLPTestSupport
import TextNLPJobs
@testable import TextNLPBatches
@testable import TextNLPPipeline

/// Batches without a model: ingest → format → validate → export, through the job store.
struct BatchRunTests {
    func pipeline(input: String, shardRows: Int = 3, gate: String = "", exportFormat: String = "jsonl") -> String {
        """
        {"name": "scored", "seed": 5, "stages": [
          {"ingest": {"path": "\(input)", "format": "csv"}},
          {"format": {"post": [{"field": "answer", "trim": true}],
                      "fields": {"question": "{{question}}", "answer": "{{answer}}", "reference": "{{reference}}"}}},
          {"validate": {"hypothesis": "answer", "reference": "reference", "metrics": ["bleu", "rougeL", "words", "distinct-1"],
                        "gates": [{"metric": "words", "min": 2, "on_fail": "drop"}, {"metric": "rougeL", "min": 0.6, "on_fail": "flag"}\(gate)]}},
          {"export": {"path": "{{name}}/{{batch_id}}/data.\(exportFormat).zst", "format": "\(exportFormat)", "zstd_level": 5}}
        ],
        "execution": {"shard_rows": \(shardRows), "workers": 2}}
        """
    }

    func input(_ dir: String) -> String {
        var csv = "question,answer,reference\n"
        for i in 1...10 {
            csv += "q\(i),\"  the answer is \(i) , with words \",the answer is \(i)\n"
        }
        csv += "short,one,one two three\n"
        csv += "broken,\"never closed\n"
        let path = dir + "/input.csv"
        Support.write(csv, to: path)
        return path
    }

    @Test func batchWritesDatasetManifestErrorsAndReports() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spec = try Support.spec(pipeline(input: input(dir)))
        let runner = BatchRunner(spec: spec, outputRoot: dir + "/out", model: nil)
        #expect(try await runner.run() == .completed)
        let (layout, outputs) = try runner.paths()
        #expect(outputs.data.hasPrefix(dir + "/out/scored/scored-"))

        // The dataset decompresses with the zstd tool, in input order, with scores and flags.
        let lines = try await Support.zstdDecompress(outputs.data).split(separator: "\n").map { try JSONParser.parse(String($0)).objectValue! }
        #expect(lines.map { $0["id"] } == (1...10).map { .string("row-" + String(format: "%06d", $0)) })
        #expect(lines[0]["answer"] == .string("the answer is 1 , with words"))
        #expect(lines[0]["metrics"]?.objectValue?.keys == ["bleu", "rougeL", "words"])
        #expect(lines.allSatisfy { $0["flags"] == .array([.string("rougeL >= 0.6")]) } == false)

        // The manifest matches the file.
        let manifest = try Support.json(outputs.manifest)
        let files = manifest["files"]?.arrayValue?.compactMap(\.objectValue) ?? []
        let data = try Data(contentsOf: URL(fileURLWithPath: outputs.data))
        #expect(files[0]["sha256"] == .string(SHA256.hex(Array(data))))
        #expect(files[0]["bytes"] == .int(Int64(data.count)))
        #expect(files[0]["rows"] == .int(10))
        #expect(manifest["rows"]?.objectValue?["dropped"] == .int(1))
        #expect(manifest["rows"]?.objectValue?["bad_input"] == .int(1))
        #expect(manifest["pipeline"]?.objectValue?["sha256"] == .string(spec.sha256))
        #expect(manifest["metrics"]?.objectValue?["stages[2]"]?.objectValue?["distinct-1"] != nil)

        // Bad input and dropped rows are in the errors file, with file, line and reason.
        let errors = try await Support.zstdDecompress(outputs.errors).split(separator: "\n").map { try JSONParser.parse(String($0)).objectValue! }
        #expect(errors.count == 2)
        #expect(errors[0]["stage"] == .string("ingest") && errors[0]["line"] == .int(13))
        #expect(errors[0]["reason"] == .string("unterminated quoted field"))
        #expect(errors[1]["stage"] == .string("validate") && errors[1]["id"] == .string("row-000011"))

        let report = try Support.json(outputs.reportJSON)
        #expect(report["status"] == .string("completed"))
        #expect(report["timeline"]?.arrayValue?.count == 4)
        let html = try String(contentsOfFile: outputs.reportHTML, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("words &gt;= 2") && !html.contains("<script"))

        // Jobs: one ingest, four shards, one finalize, all completed on their first attempt.
        let status = try await BatchStatus.load(directory: layout.directory)
        #expect(status.status == "completed")
        #expect(status.jobs.map(\.kind) == ["ingest", "shard", "shard", "shard", "shard", "finalize"])
        #expect(status.jobs.allSatisfy { $0.state == .completed && $0.attempt == 1 })
        #expect(status.rowsDone == 11 && status.rowsTotal == 11)

        // The same command again finds the finished batch and changes nothing.
        #expect(try await runner.run() == .alreadyCompleted)
        #expect(try Data(contentsOf: URL(fileURLWithPath: outputs.data)) == data)
    }

    @Test func shardSizeAndWorkersDoNotChangeTheDataset() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = input(dir)
        var outputs: [Data] = []
        for (rows, workers) in [(1, 1), (4, 3), (100, 2)] {
            let spec = try Support.spec(pipeline(input: source, shardRows: rows))
            let runner = BatchRunner(spec: spec, outputRoot: dir + "/out\(rows)", workers: workers, model: nil)
            #expect(try await runner.run() == .completed)
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: try runner.paths().outputs.data)))
        }
        // Frames differ with the shard size, the decompressed dataset does not.
        var texts: [String] = []
        for i in 0..<3 {
            let path = dir + "/d\(i).zst"
            try outputs[i].write(to: URL(fileURLWithPath: path))
            texts.append(try await Support.zstdDecompress(path))
        }
        #expect(texts[0] == texts[1] && texts[1] == texts[2])
    }

    @Test func csvExportHasOneHeaderAcrossParts() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spec = try Support.spec(pipeline(input: input(dir), exportFormat: "csv"))
        let runner = BatchRunner(spec: spec, outputRoot: dir + "/out", model: nil)
        #expect(try await runner.run() == .completed)
        let text = try await Support.zstdDecompress(try runner.paths().outputs.data)
        #expect(text.hasPrefix("id,question,answer,reference\nrow-000001,q1,\"the answer is 1 , with words\",the answer is 1\n"))
        #expect(text.components(separatedBy: "id,question").count == 2)
    }

    @Test func failedCorpusGateFailsTheBatchButKeepsItsOutputs() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gate = #", {"metric": "bleu", "min": 99.5, "scope": "corpus", "on_fail": "fail"}"#
        let spec = try Support.spec(pipeline(input: input(dir), gate: gate))
        let runner = BatchRunner(spec: spec, outputRoot: dir + "/out", model: nil)
        guard case .failed(let reasons) = try await runner.run() else {
            Issue.record("expected the batch to fail")
            return
        }
        #expect(reasons.count == 1 && reasons[0].contains("corpus gate failed: bleu >= 99.5"))
        let outputs = try runner.paths().outputs
        #expect(try Support.json(outputs.manifest)["status"] == .string("failed"))
        #expect(try await Support.zstdDecompress(outputs.data).split(separator: "\n").count == 10)
        let gates = try Support.json(outputs.reportJSON)["gates"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(gates.map { $0["passed"] } == [.bool(false), .bool(false), .bool(false)])
    }

    @Test func onBadRowFailDiscardsIngestAndSaysWhere() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = pipeline(input: input(dir)).replacingOccurrences(of: #""format": "csv"}"#, with: #""format": "csv", "on_bad_row": "fail"}"#)
        let runner = BatchRunner(spec: try Support.spec(text), outputRoot: dir + "/out", model: nil)
        guard case .failed(let reasons) = try await runner.run() else {
            Issue.record("expected the batch to fail")
            return
        }
        #expect(reasons == ["ingest: \(dir)/input.csv:13: unterminated quoted field"])
    }

    @Test func aSecondProcessCannotRunTheSameBatch() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spec = try Support.spec(pipeline(input: input(dir)))
        let runner = BatchRunner(spec: spec, outputRoot: dir + "/out", model: nil)
        let layout = try runner.paths().layout
        try FileManager.default.createDirectory(atPath: layout.directory, withIntermediateDirectories: true)
        let held = FileLock(path: layout.lock)
        #expect(held != nil)
        // flock locks belong to the open file: a second open in this process conflicts like another process would.
        await #expect(throws: BatchError.self) { try await runner.run() }
        withExtendedLifetime(held) {}
    }

    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func fullDiskIsAClearErrorAndFinishedWorkSurvives() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Rows of random words, so that the dataset does not compress away.
        var csv = "question,answer,reference\n"
        for i in 0..<100 { csv += "q\(i),\"\((0..<300).map { _ in String(UInt32.random(in: 0...UInt32.max), radix: 36) }.joined(separator: " "))\",r\n" }
        Support.write(csv, to: dir + "/big.csv")
        let text = pipeline(input: dir + "/big.csv", shardRows: 10).replacingOccurrences(of: #""workers": 2}"#, with: #""workers": 1, "max_attempts": 1}"#)
        let spec = try Support.spec(text)

        // A run on a roomy disk measures what the batch writes before its last step, and the dataset's size.
        let reference = BatchRunner(spec: spec, outputRoot: dir + "/ref", model: nil)
        #expect(try await reference.run() == .completed)
        let work = Self.allocated(try reference.paths().layout.directory)
        let dataset = Self.allocated(try reference.paths().outputs.directory)
        try #require(dataset > 96 * 1024)

        // A disk with room for that work and a third of the dataset: the last step meets a full disk.
        let mount = dir + "/small"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let size = (work + dataset / 3 + 4095) / 4096 * 4096
        try #require(Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", mount]) == 0, "needs root to mount a tmpfs")
        defer { Self.unmount(mount) }
        let runner = BatchRunner(spec: spec, outputRoot: mount, model: nil, retry: RetryPolicy(base: 0.01, cap: 0.01))
        var reasons: [String] = []
        do {
            let outcome = try await runner.run()
            guard case .failed(let r) = outcome else {
                Issue.record("expected the batch to fail on a full disk, got \(outcome)")
                return
            }
            reasons = r
        } catch {
            reasons = ["\(error)"]
        }
        #expect(reasons.contains { $0.contains("No space left") || $0.contains("disk is full") }, "\(reasons)")
        // Shards that finished before the disk filled are whole; no half-written dataset is left behind.
        // When the full disk met the job store itself, the failure could not be recorded: the run says so.
        let layout = try runner.paths().layout
        let status = try await BatchStatus.load(directory: layout.directory)
        #expect(status.status == "failed" || reasons.contains { $0.contains("job store") }, "\(status.status): \(reasons)")
        for job in status.jobs where job.kind == "shard" && job.state == .completed {
            #expect(try await Support.zstdDecompress(layout.part(Int(job.key.dropFirst(6))!)).split(separator: "\n").count == 10)
        }
        let outputs = try runner.paths().outputs
        if !status.jobs.contains(where: { $0.key == "finalize" && $0.state == .completed }) {
            #expect(!FileManager.default.fileExists(atPath: outputs.data))
        }
        // With room again, the same command finishes the batch, and the dataset is the reference's bytes.
        try #require(Self.run("/bin/mount", ["-o", "remount,size=\(size * 4)", mount]) == 0)
        #expect(try await runner.run() == .completed)
        #expect(try Data(contentsOf: URL(fileURLWithPath: outputs.data))
            == Data(contentsOf: URL(fileURLWithPath: try reference.paths().outputs.data)))
    }

    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func aFullDatasetDiskFailsTheBatchAndKeepsItsShards() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var csv = "question,answer,reference\n"
        for i in 0..<100 { csv += "q\(i),\"\((0..<300).map { _ in String(UInt32.random(in: 0...UInt32.max), radix: 36) }.joined(separator: " "))\",r\n" }
        Support.write(csv, to: dir + "/big.csv")
        let text = pipeline(input: dir + "/big.csv", shardRows: 10).replacingOccurrences(of: #""workers": 2}"#, with: #""workers": 1, "max_attempts": 3}"#)
        let spec = try Support.spec(text)
        let reference = BatchRunner(spec: spec, outputRoot: dir + "/ref", model: nil)
        #expect(try await reference.run() == .completed)
        let dataset = Self.allocated(try reference.paths().outputs.directory)

        // The job store and the shards on a roomy disk, the dataset's directory on one with room for a third of it.
        let runner = BatchRunner(spec: spec, outputRoot: dir + "/out", model: nil, retry: RetryPolicy(base: 0.01, cap: 0.01))
        let (layout, outputs) = try runner.paths()
        try FileManager.default.createDirectory(atPath: outputs.directory, withIntermediateDirectories: true)
        let size = (dataset / 3 + 4095) / 4096 * 4096
        try #require(Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", outputs.directory]) == 0)
        defer { Self.unmount(outputs.directory) }
        guard case .failed(let reasons) = try await runner.run() else {
            Issue.record("expected the batch to fail on a full disk")
            return
        }
        #expect(reasons.count == 1 && reasons.allSatisfy { $0.hasPrefix("finalize:") && $0.contains("the disk is full") }, "\(reasons)")
        let status = try await BatchStatus.load(directory: layout.directory)
        #expect(status.status == "failed")
        #expect(status.jobs.filter { $0.kind == "shard" }.allSatisfy { $0.state == .completed })
        #expect(!FileManager.default.fileExists(atPath: outputs.data))
        let shards = status.jobs.filter { $0.kind == "shard" }.compactMap { Int($0.key.dropFirst(6)) }
        try #require(shards.count == 10)
        let parts = try shards.map { try Self.identity(layout.part($0)) }

        // With room again, only the last step runs: the shards' parts are the same files, the dataset the reference's bytes.
        try #require(Self.run("/bin/mount", ["-o", "remount,size=\(size * 8)", outputs.directory]) == 0)
        #expect(try await runner.run() == .completed)
        #expect(try shards.map { try Self.identity(layout.part($0)) } == parts)
        #expect(try Data(contentsOf: URL(fileURLWithPath: outputs.data))
            == Data(contentsOf: URL(fileURLWithPath: try reference.paths().outputs.data)))
    }

    /// Unmounts a test's tmpfs. SQLite may still hold its files open for a moment (a pool's connections
    /// close when the last reference goes); then the mount is detached lazily, and never left behind.
    static func unmount(_ path: String) {
        if run("/bin/umount", [path]) != 0 { _ = run("/bin/umount", ["-l", path]) }
    }

    /// A file's inode and modification time: equal only when the file was not written again.
    static func identity(_ path: String) throws -> [String] {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return ["\(attributes[.systemFileNumber] ?? "")", "\((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"]
    }

    /// Bytes a directory takes on a page-granular file system such as tmpfs.
    static func allocated(_ directory: String) -> Int {
        let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
        return files.reduce(0) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + file)[.size] as? Int) ?? 0
            return total + (size + 4095) / 4096 * 4096
        }
    }

    /// A short command (mount, umount), waited for where it is called.
    static func run(_ executable: String, _ arguments: [String]) -> Int32 {
        guard let child = try? Child(executable, arguments) else { return -1 }
        return child.waitBlocking()
    }
}
