import Foundation
import TextNLPInference

/// Paths and fixtures shared by the tests.
enum Support {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The reference model, fetched by scripts/fetch-models (CI runs it before the tests).
    static var smolLM2Path: String {
        packageRoot.appendingPathComponent("Models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }

    static func fixtureURL(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw FixtureError.missing(name)
        }
        return url
    }

    static func fixture<T: Decodable>(_ name: String, as: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: fixtureURL(name)))
    }

    /// The SmolLM2 model, loaded once for all tests.
    static let smolLM2: Result<LoadedModel, Error> = Result { try LoadedModel(smolLM2Path) }

    /// The same model with f32 activations (the exact products of the dequantized weights).
    static let smolLM2F32: Result<LoadedModel, Error> = Result { try LoadedModel(smolLM2Path, activations: .f32) }

    static func model() throws -> LoadedModel { try smolLM2.get() }

    static func model(_ activations: ActivationPrecision) throws -> LoadedModel {
        if activations == ActivationPrecision.automatic { return try smolLM2.get() }
        return activations == .f32 ? try smolLM2F32.get() : try LoadedModel(smolLM2Path, activations: activations)
    }

    /// The built `textnlp` executable next to the test bundle.
    static var executable: URL {
        let products = Bundle.module.bundleURL.deletingLastPathComponent()
        return products.appendingPathComponent("textnlp")
    }

    /// Runs `textnlp` with arguments; returns exit code, standard output and standard error.
    static func run(_ arguments: [String], stdin: String? = nil) throws -> (code: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// A temporary file with the given bytes.
    static func temporaryFile(_ bytes: [UInt8], suffix: String = ".gguf") throws -> String {
        let path = NSTemporaryDirectory() + "textnlp-test-\(UUID().uuidString)\(suffix)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

enum FixtureError: Error { case missing(String) }
