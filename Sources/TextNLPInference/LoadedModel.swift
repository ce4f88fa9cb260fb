import Foundation

/// A model ready to run: the mapped file, the network, its tokenizer.
public struct LoadedModel: Sendable {
    public let file: GGUFFile
    public let model: any LanguageModel
    public let tokenizer: Tokenizer
    public let resolved: ResolvedModel
    public let loadSeconds: Double

    public var entry: ModelEntry? { resolved.entry }

    /// Loads a resolved model. Any failure is a `ModelLoadError` that names the file.
    public init(_ resolved: ResolvedModel, activations: ActivationPrecision = .automatic) throws {
        let start = Date()
        self.resolved = resolved
        do {
            file = try GGUFFile(path: resolved.path)
            tokenizer = try Tokenizer(gguf: file)
            model = try loadLanguageModel(file, activations: activations)
        } catch {
            throw ModelLoadError(path: resolved.path, underlying: error)
        }
        if activations == .int8 { file.mapping.releaseResidentPages() }   // the products read the packed copies
        loadSeconds = Date().timeIntervalSince(start)
    }

    /// Loads a `.gguf` file outside the catalogue.
    public init(path: String, activations: ActivationPrecision = .automatic) throws {
        try self.init(try ResolvedModel(path: path), activations: activations)
    }

    public func chatTemplate() throws -> ChatTemplate {
        try ChatTemplate(gguf: file, tokenizer: tokenizer)
    }

    /// Prompt tokens for a conversation, rendered through the model's template.
    public func chatPrompt(_ messages: [ChatMessage]) throws -> [Int32] {
        let template = try chatTemplate()
        let text = try template.render(messages)
        return tokenizer.encode(text, parseSpecial: true, addSpecial: !template.rendersBOS)
    }
}

/// A model file that cannot be loaded (missing, truncated, corrupt, of an unsupported kind). Retrying does
/// not help until the file is replaced.
public struct ModelLoadError: Error, CustomStringConvertible {
    public let path: String
    public let underlying: any Error

    public var description: String {
        let reason = "\(underlying)"
        // The reader's own errors start with the path already.
        return reason.hasPrefix(path) ? "cannot load the model: \(reason)" : "cannot load the model \(path): \(reason)"
    }
}
