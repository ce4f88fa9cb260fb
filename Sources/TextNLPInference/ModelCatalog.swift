import Foundation

/// The known models (`Models/models.json`), and how a `--model` argument (an id or a path) becomes a file.
/// Build it once per process and pass it down: every resolution goes through `resolve`.
public struct ModelCatalog: Sendable {
    public let directory: URL
    public let entries: [ModelEntry]
    /// The catalogue file, and whether it existed (without one, only paths resolve).
    public let file: String
    public let exists: Bool

    /// `TEXTNLP_MODELS_DIR`, else `Models/` in the current directory.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        URL(fileURLWithPath: environment["TEXTNLP_MODELS_DIR"] ?? "Models", isDirectory: true)
    }

    /// Reads `models.json` in `directory`. No file means no entries; a file that cannot be read or decoded
    /// is an error that names it.
    public init(directory: URL = ModelCatalog.defaultDirectory()) throws {
        self.directory = directory
        let url = directory.appendingPathComponent("models.json")
        file = url.path
        guard FileManager.default.fileExists(atPath: url.path) else {
            exists = false
            entries = []
            return
        }
        exists = true
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CatalogError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        struct File: Codable { var models: [ModelEntry] }
        do {
            entries = try JSONDecoder().decode(File.self, from: data).models
        } catch {
            throw CatalogError.invalid(path: url.path, reason: DecodingErrorText.describe(error))
        }
    }

    /// The file for `name`: the file of a catalogue id (checked to be there with the catalogued size), or a path.
    public func resolve(_ name: String) throws -> ResolvedModel {
        if let entry = entries.first(where: { $0.id == name }) {
            let path = directory.appendingPathComponent(entry.file).path
            guard FileManager.default.fileExists(atPath: path) else { throw CatalogError.notFetched(id: name, path: path) }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            if let size, size != entry.bytes {
                throw CatalogError.wrongSize(path: path, expected: entry.bytes, actual: size)
            }
            return ResolvedModel(name: name, path: path, entry: entry, bytes: entry.bytes, fingerprint: entry.sha256)
        }
        if name.hasSuffix(".gguf") || name.contains("/") || FileManager.default.fileExists(atPath: name) {
            return try ResolvedModel(path: name)
        }
        throw CatalogError.unknownModel(name, catalog: file, known: entries.map(\.id))
    }
}

/// A model argument turned into a file, with what identifies its contents.
public struct ResolvedModel: Sendable, Equatable {
    /// As the user gave it: a catalogue id or a path.
    public var name: String
    public var path: String
    public var entry: ModelEntry?
    public var bytes: Int
    /// The catalogue's SHA-256, or for a plain file its path, size and modification time.
    public var fingerprint: String

    public init(name: String, path: String, entry: ModelEntry?, bytes: Int, fingerprint: String) {
        self.name = name
        self.path = path
        self.entry = entry
        self.bytes = bytes
        self.fingerprint = fingerprint
    }

    /// A `.gguf` file outside the catalogue.
    public init(path: String) throws {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw GGUFError.cannotOpen(path: path, reason: "no such file")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        self.init(name: path, path: path, entry: nil, bytes: size, fingerprint: "\(path):\(size):\(modified)")
    }
}

public enum CatalogError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalid(path: String, reason: String)
    case notFetched(id: String, path: String)
    case wrongSize(path: String, expected: Int, actual: Int)
    case unknownModel(String, catalog: String, known: [String])

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path): cannot read the model catalogue: \(reason)"
        case let .invalid(path, reason): "\(path): invalid model catalogue: \(reason)"
        case let .notFetched(id, path): "model '\(id)' is not at \(path); run scripts/fetch-models"
        case let .wrongSize(path, expected, actual): "\(path): \(actual) bytes, but models.json says \(expected); run scripts/fetch-models"
        case let .unknownModel(name, catalog, known):
            "unknown model '\(name)': not a file, and not an id in \(catalog) ("
                + (known.isEmpty ? "which lists no models or does not exist" : "known: \(known.joined(separator: ", "))") + ")"
        }
    }
}
