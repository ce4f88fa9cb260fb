import Foundation
import Testing
import TextNLPTestSupport
@testable import TextNLPPipeline

/// SIGTERM at random moments of a real pipeline while two other processes keep both cores busy, as
/// Kubernetes stops pods on a busy node. Every stop exits 130, leaves no job running, spends no attempt and
/// never writes a finished shard's part again; the dataset resumed after the stops is the bytes of a run that
/// was never stopped.
@Suite(.serialized)
struct StopUnderLoadTests {
    static let trials = 20
    static let window = 3.0

    @Test func sigtermAtRandomMomentsUnderLoadNeverLosesOrRedoesWork() async throws {
        try #require(FileManager.default.fileExists(atPath: Support.modelPath), "run scripts/fetch-models first")
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (pipeline, reference) = try await CleanRun.shared.made()
        let load = try (0..<2).map { _ in try BusyLoop() }
        defer { load.forEach { $0.stop() } }

        // Each trial resumes the batch the previous one stopped; a batch that finishes is checked and a new one begun.
        // Moments are drawn from the first `window` seconds of each run: a resumed run starts where the last stopped,
        // so the stops land in every phase of a batch (loading, ingest, generation, export) and a batch takes
        // several of them to finish.
        var moments: [Double] = []
        var roots = 0
        var root = dir + "/stopped-0"
        var attempts = 0
        while moments.count < Self.trials && attempts < Self.trials * 3 {
            attempts += 1
            let before = try Parts.finished(root)
            let moment = Double.random(in: 0...Self.window)
            let trial = try await Trial.run(pipeline, root: root, signalAfter: moment)
            #expect(try Parts.finished(root).filter { before[$0.key] != nil } == before,
                    "a finished shard's part was written again (SIGTERM \(moment) s in)")
            if trial.signalled {
                #expect(trial.code == 130 || trial.code == 0, "SIGTERM \(moment) s in: exit \(trial.code)\n\(trial.err)")
            } else {
                #expect(trial.code == 0, "\(trial.err)")
            }
            if trial.code == 130 {
                moments.append(moment)
                try await expectNothingRunning(root, moment: moment)
            } else if trial.code == 0 {
                #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/resume/data.jsonl.zst")) == reference)
                roots += 1
                root = dir + "/stopped-\(roots)"
            } else {
                return
            }
        }
        #expect(moments.count == Self.trials, "only \(moments.count) stops landed while a run was working")
        // The last batch stopped is resumed to its end.
        let before = try Parts.finished(root)
        let resumed = try await Support.textnlp(["run", pipeline, "--output-root", root, "--quiet"])
        #expect(resumed.code == 0, "\(resumed.err)")
        #expect(try Parts.finished(root).filter { before[$0.key] != nil } == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/resume/data.jsonl.zst")) == reference)
        print("stop under load: SIGTERM at "
              + moments.map { String(format: "%.2f", $0) }.joined(separator: ", ") + " s; \(roots + 1) batches")
    }

    /// `textnlp status --json`: no job `running` and no attempt spent by the stop.
    func expectNothingRunning(_ root: String, moment: Double) async throws {
        guard FileManager.default.fileExists(atPath: root + "/batches") else { return }   // stopped before it began
        let status = try await Support.textnlp(["status", "--json", "--output-root", root])
        guard status.code == 0 else { return }   // stopped before the batch's store was created
        let jobs = try JSONParser.parse(status.out.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue?["jobs"]?.arrayValue ?? []
        let running = jobs.filter { $0.objectValue?["state"] == .string("running") }
        #expect(running.isEmpty, "SIGTERM \(moment) s in left \(running) running")
        #expect(!jobs.contains { $0.objectValue?["errors"] != nil }, "SIGTERM \(moment) s in spent an attempt: \(jobs)")
    }
}

/// One `textnlp run`, sent SIGTERM `signalAfter` seconds after it is ready for signals (when it ignores
/// SIGTERM's default action and handles it itself), unless it has finished by then.
struct Trial {
    var code: Int32
    var err: String
    var signalled: Bool

    static func run(_ pipeline: String, root: String, signalAfter seconds: Double) async throws -> Trial {
        let errPath = NSTemporaryDirectory() + "textnlp-trial-\(UUID().uuidString).err"
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let child = try Child(Support.executable, ["run", pipeline, "--output-root", root, "--quiet"],
                              directory: Support.packageRoot.path, environment: Support.embedded, stderr: errPath)
        var code: Int32? = nil
        while code == nil && !handlesSIGTERM(child.pid) { code = child.poll(); try await Task.sleep(for: .milliseconds(1)) }
        let deadline = Date().addingTimeInterval(seconds)
        while code == nil && Date() < deadline { code = child.poll(); try await Task.sleep(for: .milliseconds(1)) }
        let signalled = code == nil
        if signalled {
            child.signal(SIGTERM)   // not yet reaped: the pid cannot have been reused
            code = await child.wait()
        }
        let err = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        return Trial(code: code ?? -1, err: err, signalled: signalled)
    }

    /// Whether the process has taken SIGTERM from its default action: it ignores it (`SigIgn`) or catches it
    /// (`SigCgt`, once libdispatch's signal source has installed its handler), in /proc/PID/status.
    static func handlesSIGTERM(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        let bit = UInt64(1) << UInt64(SIGTERM - 1)
        return status.split(separator: "\n").contains { line in
            guard line.hasPrefix("SigIgn:") || line.hasPrefix("SigCgt:"),
                  let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
            return mask & bit != 0
        }
    }
}

/// The parts of a batch's finished shards (those with their stats written), by name, with inode and mtime.
enum Parts {
    static func finished(_ root: String) throws -> [String: [String]] {
        let batches = root + "/batches"
        guard let batch = try? FileManager.default.contentsOfDirectory(atPath: batches).first else { return [:] }
        let dir = "\(batches)/\(batch)/parts"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        var parts: [String: [String]] = [:]
        for stats in files where stats.hasSuffix(".stats.json") {
            let part = String(stats.dropLast(".stats.json".count)) + ".data.zst"
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(dir)/\(part)")
            parts[part] = ["\(attributes[.systemFileNumber] ?? "")",
                           "\((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"]
        }
        return parts
    }
}

/// A process that keeps one core busy until it is stopped.
struct BusyLoop {
    private let child: Child

    init() throws {
        child = try Child("/bin/sh", ["-c", "while :; do :; done"])
    }

    func stop() {
        child.signal(SIGKILL)
        var status: Int32 = 0
        _ = waitpid(child.pid, &status, 0)   // SIGKILL ends it at once
    }
}
