import Foundation
import Testing
import TextNLPPipeline
import TextNLPTestSupport

/// A `textnlp serve` process on a free loopback port, with its keys, as an operator starts it.
struct ServeProcess {
    let child: Child
    let base: String
    let log: String
    let environment: [String: String]

    /// Starts the server (`--port 0`) and waits for the line that says where it listens.
    static func start(dataDir: String, environment: [String: String] = Support.embedded, arguments: [String] = []) async throws -> ServeProcess {
        let log = dataDir + "-serve-\(UUID().uuidString.prefix(6)).log"
        let env = environment.merging(["ENVIRONMENT": "development"]) { a, _ in a }
        let child = try Child(Support.executable, ["serve", "--port", "0", "--data-dir", dataDir] + arguments, directory: Support.packageRoot.path,
                              environment: env, stderr: log)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self)
            if let range = text.range(of: "listening on http://") {
                let rest = text[range.upperBound...]
                let address = rest.prefix { !$0.isWhitespace }
                return ServeProcess(child: child, base: "http://\(address)", log: log, environment: env)
            }
            if child.poll() != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        child.signal(SIGKILL)
        _ = await child.wait()
        let text = String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self)
        Issue.record("textnlp serve did not start: \(text)")
        throw CocoaError(.fileReadUnknown)
    }

    var logText: String { String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self) }

    /// SIGTERM, and the exit code.
    func stop() async -> Int32 {
        child.signal(SIGTERM)
        return await child.wait()
    }

    /// `textnlp keys create --tenant NAME` against the same store: the key.
    static func key(tenant: String, dataDir: String, environment: [String: String] = Support.embedded, arguments: [String] = []) async throws -> String {
        let r = try await Support.textnlp(["keys", "create", "--tenant", tenant, "--data-dir", dataDir] + arguments, environment: environment)
        try #require(r.code == 0, "keys create failed: \(r.err)")
        return r.out.split(separator: "\n").last.map(String.init) ?? ""
    }
}

/// The Python of the reference clients (`openai`, `anthropic`, schemathesis): `TEXTNLP_PYTHON`, which
/// .ci/run points at its virtual environment. Outside CI a test without it skips and says why.
enum ReferencePython {
    static var path: String? {
        ProcessInfo.processInfo.environment["TEXTNLP_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func available(_ test: String) -> String? {
        if let path { return path }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("TEXTNLP_PYTHON is not set: CI must run \(test) (.ci/run makes the virtual environment)")
        } else {
            print("skipped \(test): TEXTNLP_PYTHON is not set (a Python with openai, anthropic and schemathesis; see .ci/run)")
        }
        return nil
    }
}

extension ServeProcess {
    /// One request with curl (a client of its own, over loopback): the status and the body.
    func request(_ method: String, _ path: String, key: String, json: String? = nil, upload: String? = nil) async throws -> (status: Int, body: String) {
        var args = ["-s", "-X", method, "-H", "Authorization: Bearer \(key)", "-w", "\n%{http_code}"]
        if let json { args += ["-H", "Content-Type: application/json", "-d", json] }
        if let upload { args += ["-F", "purpose=batch", "-F", "file=@\(upload)"] }
        let r = try await Support.run("curl", args + [base + path])
        let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    func object(_ method: String, _ path: String, key: String, json: String? = nil, upload: String? = nil) async throws -> JSONObject {
        let r = try await request(method, path, key: key, json: json, upload: upload)
        guard r.status == 200, case .object(let o)? = try? JSONParser.parse(r.body) else {
            Issue.record("\(method) \(path): \(r.status) \(r.body)")
            throw CocoaError(.coderReadCorrupt)
        }
        return o
    }
}
