import Foundation
import TextNLPPipeline

enum Support {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var modelPath: String { packageRoot.appendingPathComponent("Models/SmolLM2-135M-Instruct.Q4_1.gguf").path }

    /// The built `textnlp` executable, beside the test binary.
    static var executable: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
            packageRoot.appendingPathComponent(".build/release"),
        ].map { $0.appendingPathComponent("textnlp").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "textnlp-batch-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ text: String, to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    static func spec(_ text: String) throws -> PipelineSpec {
        try PipelineSpec.decode(Array(text.utf8), file: "test.json")
    }

    /// `textnlp ARGS` in the package root; exit code, stdout, stderr.
    static func textnlp(_ arguments: [String], environment: [String: String] = [:]) throws -> (code: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// `zstd -dc FILE` (the reference decompressor).
    static func zstdDecompress(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/zstd")
        process.arguments = ["-d", "-c", path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileReadCorruptFile) }
        return String(decoding: data, as: UTF8.self)
    }

    static func json(_ path: String) throws -> JSONObject {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard case .object(let o) = try JSONParser.parse(Array(data)) else { throw CocoaError(.fileReadCorruptFile) }
        return o
    }
}
