import Foundation

/// An entry of `Models/models.json`.
public struct ModelEntry: Codable, Sendable, Equatable {
    public struct Source: Codable, Sendable, Equatable {
        public var pypi: String
        public var wheelPath: String
        public var upstream: String

        enum CodingKeys: String, CodingKey {
            case pypi, upstream
            case wheelPath = "wheel_path"
        }
    }

    public var id: String
    public var file: String
    public var bytes: Int
    public var sha256: String
    public var architecture: String
    public var quantization: String
    public var contextLength: Int
    public var source: Source
    public var license: String

    enum CodingKeys: String, CodingKey {
        case id, file, bytes, sha256, architecture, quantization, source, license
        case contextLength = "context_length"
    }
}

/// The known models, and how a `--model` argument (an id or a path) becomes a file.
public struct ModelCatalog: Sendable {
    public let directory: URL
    public let entries: [ModelEntry]

    /// `TEXTNLP_MODELS_DIR`, else `Models/` in the current directory.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        URL(fileURLWithPath: environment["TEXTNLP_MODELS_DIR"] ?? "Models", isDirectory: true)
    }

    public init(directory: URL = ModelCatalog.defaultDirectory()) throws {
        self.directory = directory
        let url = directory.appendingPathComponent("models.json")
        guard let data = try? Data(contentsOf: url) else {
            entries = []
            return
        }
        struct File: Codable { var models: [ModelEntry] }
        do {
            entries = try JSONDecoder().decode(File.self, from: data).models
        } catch {
            throw CatalogError.invalid(path: url.path, reason: "\(error)")
        }
    }

    /// The file for `name`: an existing path, or the file of a catalogue id.
    public func resolve(_ name: String) throws -> (path: String, entry: ModelEntry?) {
        if let entry = entries.first(where: { $0.id == name }) {
            let path = directory.appendingPathComponent(entry.file).path
            guard FileManager.default.fileExists(atPath: path) else { throw CatalogError.notFetched(id: name, path: path) }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            if let size, size != entry.bytes {
                throw CatalogError.wrongSize(path: path, expected: entry.bytes, actual: size)
            }
            return (path, entry)
        }
        if name.hasSuffix(".gguf") || name.contains("/") || FileManager.default.fileExists(atPath: name) {
            return (name, nil)
        }
        throw ModelError.unknownModel(name, known: entries.map(\.id))
    }
}

public enum CatalogError: Error, Equatable, CustomStringConvertible {
    case invalid(path: String, reason: String)
    case notFetched(id: String, path: String)
    case wrongSize(path: String, expected: Int, actual: Int)

    public var description: String {
        switch self {
        case let .invalid(path, reason): "\(path): invalid model catalogue: \(reason)"
        case let .notFetched(id, path): "model '\(id)' is not at \(path); run scripts/fetch-models"
        case let .wrongSize(path, expected, actual): "\(path): \(actual) bytes, but models.json says \(expected); run scripts/fetch-models"
        }
    }
}

/// A model ready to run: the mapped file, the network, its tokenizer.
public struct LoadedModel: Sendable {
    public let file: GGUFFile
    public let model: any LanguageModel
    public let tokenizer: Tokenizer
    public let entry: ModelEntry?
    public let loadSeconds: Double

    /// Loads a model by catalogue id or path.
    public init(_ name: String, catalog: ModelCatalog? = nil, activations: ActivationPrecision = .automatic) throws {
        let start = Date()
        let resolved = try (catalog ?? ModelCatalog()).resolve(name)
        file = try GGUFFile(path: resolved.path)
        entry = resolved.entry
        tokenizer = try Tokenizer(gguf: file)
        model = try loadLanguageModel(file, activations: activations)
        if activations == .int8 { file.mapping.releaseResidentPages() }   // the products read the packed copies
        loadSeconds = Date().timeIntervalSince(start)
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
