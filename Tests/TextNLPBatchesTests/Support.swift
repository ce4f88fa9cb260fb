import Foundation
import TextNLPTestSupport
import TextNLPPipeline

enum Support {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var modelPath: String { packageRoot.appendingPathComponent("Models/SmolLM2-135M-Instruct.Q4_1.gguf").path }

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
