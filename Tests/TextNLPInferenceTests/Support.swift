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
    static let smolLM2: Result<LoadedModel, Error> = Result { try LoadedModel(path: smolLM2Path) }

    /// The same model with f32 activations (the exact products of the dequantized weights).
    static let smolLM2F32: Result<LoadedModel, Error> = Result { try LoadedModel(path: smolLM2Path, activations: .f32) }

    static func model() throws -> LoadedModel { try smolLM2.get() }

    static func model(_ activations: ActivationPrecision) throws -> LoadedModel {
        if activations == ActivationPrecision.automatic { return try smolLM2.get() }
        return activations == .f32 ? try smolLM2F32.get() : try LoadedModel(path: smolLM2Path, activations: activations)
    }

    /// A temporary file with the given bytes.
    static func temporaryFile(_ bytes: [UInt8], suffix: String = ".gguf") throws -> String {
        let path = NSTemporaryDirectory() + "textnlp-test-\(UUID().uuidString)\(suffix)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

enum FixtureError: Error { case missing(String) }
