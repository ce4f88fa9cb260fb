import Foundation
import Testing
import TextNLPPipeline
import TextNLPTestSupport

/// `textnlp worker` processes and batch commands against one database, as a cluster's users run them.
struct Cluster {
    let url: String
    let logs = Support.temporaryDirectory()

    /// Whether a cluster test can run: outside CI without `DATABASE_URL` it skips with a printed reason, in
    /// CI it fails.
    static func available(_ test: String) -> Bool {
        guard let (reason, isFailure) = TestDatabase.unavailable(test) else { return true }
        if isFailure { Issue.record(Comment(rawValue: reason)) } else { print(reason) }
        return false
    }

    /// Runs `body` on a cluster over a fresh database.
    static func with<T>(_ body: (Cluster) async throws -> T) async throws -> T {
        try await TestDatabase.withDatabase { url in
            let cluster = Cluster(url: url)
            defer { try? FileManager.default.removeItem(atPath: cluster.logs) }
            return try await body(cluster)
        }
    }

    /// The environment of every command: the database and the models of the package.
    var environment: [String: String] {
        ["DATABASE_URL": url, "TEXTNLP_MODELS_DIR": Support.packageRoot.appendingPathComponent("Models").path]
    }

    /// A `textnlp worker` process; its log goes to `log(of:)`.
    func worker(_ name: String, concurrency: Int = 2, arguments: [String] = []) throws -> Child {
        try Child(Support.executable, ["worker", "--concurrency", "\(concurrency)"] + arguments, directory: Support.packageRoot.path,
                  environment: environment, stderr: log(of: name))
    }

    func log(of name: String) -> String { "\(logs)/\(name).log" }

    func logText(of name: String) -> String {
        String(decoding: FileManager.default.contents(atPath: log(of: name)) ?? Data(), as: UTF8.self)
    }

    func textnlp(_ arguments: [String]) async throws -> (code: Int32, out: String, err: String) {
        try await Support.textnlp(arguments, environment: environment)
    }

    /// `textnlp submit PIPELINE ARGS --json`: the batch's status object.
    func submit(_ pipeline: String, _ arguments: [String] = []) async throws -> JSONObject {
        let r = try await textnlp(["submit", pipeline, "--json"] + arguments)
        try #require(r.code == 0, "submit failed: \(r.err)")
        return try Self.object(r.out)
    }

    /// `textnlp status ID --json`.
    func status(_ id: String) async throws -> JSONObject {
        let r = try await textnlp(["status", id, "--json"])
        try #require(r.code == 0, "status failed: \(r.err)")
        return try Self.object(r.out)
    }

    /// Polls the status until `until` holds of it, for at most `seconds`.
    func status(_ id: String, within seconds: Double, until: (JSONObject) -> Bool) async throws -> JSONObject {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let s = try await status(id)
            if until(s) || Date() > deadline { return s }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func object(_ text: String) throws -> JSONObject {
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        guard case .object(let o) = try JSONParser.parse(last) else { throw CocoaError(.coderReadCorrupt) }
        return o
    }

    /// The batch's jobs in a status object.
    static func jobs(_ status: JSONObject) -> [JSONObject] {
        (status["jobs"]?.arrayValue ?? []).compactMap(\.objectValue)
    }

    /// The output files of a run or a download under `root`, by relative path (the batch's own directory aside).
    static func outputs(_ root: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let base = URL(fileURLWithPath: root).standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [:] }
        while let relative = walker.nextObject() as? String {
            if relative.hasPrefix("batches") { continue }
            var isDirectory: ObjCBool = false
            let path = base + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                out[relative] = FileManager.default.contents(atPath: path)
            }
        }
        return out
    }
}

/// The worker processes of a test; `killAll()` (from a `defer`) ends whatever a failed test left running.
final class Workers: @unchecked Sendable {
    private var children: [String: Child] = [:]
    private let lock = NSLock()

    subscript(name: String) -> Child? {
        get { lock.withLock { children[name] } }
        set { lock.withLock { children[name] = newValue } }
    }

    var all: [(String, Child)] { lock.withLock { children.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } } }

    func killAll() {
        for child in lock.withLock({ Array(children.values) }) where child.poll() == nil {
            child.signal(SIGKILL)
            _ = child.waitBlocking()
        }
    }
}

/// A PostgreSQL server of one test's own (scripts/pg-test-server in its own directory), for tests that
/// restart it: the shared one serves the other tests meanwhile.
struct PrivateServer {
    let directory = NSTemporaryDirectory() + "textnlp-pg-\(UUID().uuidString.prefix(8))"
    private var environment: [String: String] { ["TEXTNLP_PG_DIR": directory] }

    func start() async throws -> String {
        let r = try await Support.run("scripts/pg-test-server", ["start"], environment: environment)
        try #require(r.code == 0, "cannot start a PostgreSQL server: \(r.err)")
        return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func restart() async throws {
        let r = try await Support.run("scripts/pg-test-server", ["restart"], environment: environment)
        try #require(r.code == 0, "pg_ctl restart failed: \(r.err)")
    }

    /// Stops the server and removes its files (blocking: it runs from `defer`).
    func stop() {
        if let child = try? Child(Support.packageRoot.path + "/scripts/pg-test-server", ["stop"], environment: environment) {
            _ = child.waitBlocking()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
