import Foundation
import TextNLPTestSupport
@testable import TextNLPPipeline

enum Fixture {
    static func path(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!.path
    }
}

/// A fresh directory under /tmp, removed by the caller when done.
func temporaryDirectory(_ label: String = "textnlp") -> String {
    let path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Runs a program and returns its exit code and standard output.
@discardableResult
func runProgram(_ executable: String, _ arguments: [String], stdin: Data? = nil) async throws -> (status: Int32, output: Data) {
    let r = try await Child.run(executable, arguments, stdin: stdin)
    return (r.code, r.outData)
}

/// Decodes a spec from JSON text; the issues when it does not decode.
func decodeSpec(_ text: String) -> Result<PipelineSpec, SpecError> {
    do {
        return .success(try PipelineSpec.decode(Array(text.utf8), file: "test.json"))
    } catch let error as SpecError {
        return .failure(error)
    } catch {
        return .failure(SpecError(file: "test.json", issues: [SpecIssue(path: "", message: "\(error)")]))
    }
}

func issues(_ text: String) -> [String] {
    switch decodeSpec(text) {
    case .success: []
    case .failure(let e): e.issues.map(\.description)
    }
}
