import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import TextNLPInference
import TextNLPJobs
import TextNLPPipeline
import TextNLPServer
import TextNLPTestSupport
import Testing

/// The router over a fresh embedded store in a temporary directory, driven in process, with a catalogue
/// of one model file that is there (`tiny`, never run: these tests check what happens before generation).
struct ServerFixture {
    let directory: String
    let store: any ServerStore
    let deps: ServerDependencies

    static let model = "tiny"

    enum Store: String, CaseIterable, Sendable { case sqlite, postgres }

    /// The fixture over a fresh PostgreSQL database (on `DATABASE_URL`) instead of the SQLite file; outside
    /// CI without one it skips and says so.
    static func with(_ kind: Store, _ body: @escaping @Sendable (ServerFixture, any TestClientProtocol) async throws -> Void) async throws {
        guard kind == .postgres else { return try await with(body) }
        if let (reason, isFailure) = TestDatabase.unavailable("the server on PostgreSQL") {
            if isFailure { Issue.record(Comment(rawValue: reason)) } else { print(reason) }
            return
        }
        try await TestDatabase.withDatabase { url in
            let store = try await PostgresJobStore.connect(url: url, name: "server-test")
            do {
                try await with(store: store, body)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }

    static func with(limits: ServerDependencies.Limits = .init(), workersReady: Bool = true, store given: (any ServerStore)? = nil,
                     _ body: @Sendable (ServerFixture, any TestClientProtocol) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "textnlp-server-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/models", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = FileManager.default.createFile(atPath: directory + "/models/tiny.gguf", contents: Data([0x47, 0x47, 0x55, 0x46]))
        _ = FileManager.default.createFile(atPath: directory + "/models/models.json", contents: Data("""
            {"models": [{"id": "\(model)", "file": "tiny.gguf", "bytes": 4, "sha256": "00", "architecture": "llama", "quantization": "F32",
              "context_length": 64, "source": {"pypi": "none", "wheel_path": "none", "upstream": "none"}, "license": "MIT"}]}
            """.utf8))
        let store = try given ?? SQLiteJobStore(path: directory + "/textnlp.sqlite")
        let deps = ServerDependencies(store: store, catalog: try ModelCatalog(directory: URL(fileURLWithPath: directory + "/models")),
                                      scratch: directory + "/scratch", limits: limits, pipelines: directory + "/pipelines",
                                      workersReady: { workersReady })
        // Half way through a minute, always: a rate-limit window never turns over in the middle of a test.
        var fixed = deps
        fixed.now = { 1_800_000_030 }
        let fixture = ServerFixture(directory: directory, store: store, deps: fixed)
        let app = Application(router: buildRouter(fixed))
        try await app.test(.router) { client in try await body(fixture, client) }
    }

    /// A new key of `tenant`.
    func key(_ tenant: String, rpm: Int? = nil, tpm: Int? = nil) async throws -> String {
        let (key, id) = APIKeys.generate()
        try await store.createKey(APIKeyRecord(id: id, hash: APIKeys.hash(key), tenant: tenant, requestsPerMinute: rpm, tokensPerMinute: tpm))
        return key
    }

    /// Another replica of the server: its own router over the same store.
    func replica<T>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await Application(router: buildRouter(deps)).test(.router, body)
    }
}

/// Requests and answers as the tests write them.
extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, key: String?, json: String? = nil, bytes: [UInt8]? = nil,
              headers extra: HTTPFields = [:]) async throws -> (status: Int, body: JSONObject?, raw: [UInt8]) {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(string: json)
        } else if let bytes {
            body = ByteBuffer(bytes: bytes)
        }
        return try await execute(uri: uri, method: method, headers: headers, body: body) { response in
            let raw = Array(response.body.readableBytesView)
            return (Int(response.status.code), (try? JSONParser.parse(raw))?.objectValue, raw)
        }
    }

    /// A multipart upload of `file` with `purpose`.
    func upload(_ file: [UInt8], purpose: String = "batch", filename: String = "input.jsonl", key: String) async throws
        -> (status: Int, body: JSONObject?, raw: [UInt8]) {
        let boundary = "textnlp-test-boundary"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n\(purpose)\r\n".utf8)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: application/jsonl\r\n\r\n".utf8)
        body += file + Array("\r\n--\(boundary)--\r\n".utf8)
        return try await call(.post, "/v1/files", key: key, bytes: body, headers: [.contentType: "multipart/form-data; boundary=\(boundary)"])
    }
}

extension JSONObject {
    /// `error.param` and `error.code` of an error answer.
    var errorParam: String? { self["error"]?.objectValue?["param"]?.stringValue }
    var errorCode: String? { self["error"]?.objectValue?["code"]?.stringValue }
    var errorType: String? { self["error"]?.objectValue?["type"]?.stringValue }
}
