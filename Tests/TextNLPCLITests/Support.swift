import Foundation
import TextNLPPipeline
import TextNLPTestSupport

/// The one harness of the command-line tests: the built `textnlp` run in a child process from the package root.
enum Support {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The reference model, fetched by scripts/fetch-models (CI runs it before the tests).
    static var modelPath: String { packageRoot.appendingPathComponent("Models/SmolLM2-135M-Instruct.Q4_1.gguf").path }

    /// A golden fixture of another test target (`Tests/<target>/Fixtures/<name>`).
    static func fixture(_ target: String, _ name: String) -> URL {
        packageRoot.appendingPathComponent("Tests/\(target)/Fixtures/\(name)")
    }

    /// The built `textnlp` executable, beside the test binary.
    static var executable: String {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            packageRoot.appendingPathComponent(".build/release"),
        ].map { $0.appendingPathComponent("textnlp").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// The environment of an embedded command: no database even where the tests have one (`DATABASE_URL`
    /// would make `run` use the cluster; an empty one means none).
    static let embedded = ["DATABASE_URL": ""]

    /// `textnlp ARGS` in the package root, with `stdin` on its standard input; exit code, stdout, stderr.
    /// Embedded unless `environment` names a database.
    static func textnlp(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) async throws -> (code: Int32, out: String, err: String) {
        try await run(executable, arguments, stdin: stdin, environment: embedded.merging(environment) { $1 })
    }

    /// Any program in the package root.
    static func run(_ program: String, _ arguments: [String], stdin: String? = nil,
                    environment: [String: String] = [:]) async throws -> (code: Int32, out: String, err: String) {
        let r = try await Child.run(program, arguments, directory: packageRoot.path, stdin: stdin.map { Data($0.utf8) },
                                    environment: environment)
        return (r.code, r.out, r.err)
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "textnlp-cli-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A temporary file with the given bytes.
    static func temporaryFile(_ bytes: [UInt8], suffix: String = ".gguf") throws -> String {
        let path = NSTemporaryDirectory() + "textnlp-cli-\(UUID().uuidString)\(suffix)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func write(_ text: String, to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    /// `zstd -dc FILE` (the reference decompressor).
    static func zstdDecompress(_ path: String) async throws -> String {
        try await Child.zstdDecompress(path)
    }

    static func json(_ path: String) throws -> JSONObject {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard case .object(let o) = try JSONParser.parse(Array(data)) else { throw CocoaError(.fileReadCorruptFile) }
        return o
    }
}
