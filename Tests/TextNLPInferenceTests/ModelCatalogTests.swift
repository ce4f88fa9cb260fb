import Foundation
import Testing
@testable import TextNLPInference

/// `Models/models.json`: what a user sees when it is missing, unreadable or wrong.
struct ModelCatalogTests {
    private func directory(_ catalogue: String?) throws -> URL {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory() + "catalog-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        if let catalogue { try Data(catalogue.utf8).write(to: dir.appendingPathComponent("models.json")) }
        return dir
    }

    private let entry = """
        {"id": "tiny", "file": "tiny.gguf", "bytes": 4, "sha256": "00", "architecture": "llama", "quantization": "Q8_0",
         "context_length": 64, "source": {"pypi": "p", "wheel_path": "w", "upstream": "u"}, "license": "Apache-2.0"}
        """

    @Test func aCatalogueThatIsNotJSONIsAnErrorNamingItsFile() throws {
        let dir = try directory(#"{"models": [ {"id": "tiny", "#)
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = try #require(throws: CatalogError.self) { try ModelCatalog(directory: dir) }
        guard case .invalid(let path, _) = error else { Issue.record("\(error)"); return }
        #expect(path == dir.appendingPathComponent("models.json").path)
        #expect(error.description.hasPrefix(path + ": invalid model catalogue"))
    }

    @Test func aFieldOfTheWrongTypeIsNamedByItsJSONPath() throws {
        let dir = try directory(#"{"models": [\#(entry.replacingOccurrences(of: #""bytes": 4"#, with: #""bytes": "four""#))]}"#)
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = try #require(throws: CatalogError.self) { try ModelCatalog(directory: dir) }
        #expect(error.description.contains("models.json: invalid model catalogue: models[0].bytes: wrong type"), "\(error)")
        let missing = try directory(#"{"models": [\#(entry.replacingOccurrences(of: #""license": "Apache-2.0""#, with: #""x": 1"#))]}"#)
        defer { try? FileManager.default.removeItem(at: missing) }
        let error2 = try #require(throws: CatalogError.self) { try ModelCatalog(directory: missing) }
        #expect(error2.description.contains("models[0].license: missing"), "\(error2)")
    }

    @Test func anUnreadableCatalogueIsAnErrorNamingItsFile() throws {
        let dir = try directory(nil)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A directory where the file should be: exists, but cannot be read as a file (even by root).
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("models.json"), withIntermediateDirectories: false)
        let error = try #require(throws: CatalogError.self) { try ModelCatalog(directory: dir) }
        guard case .unreadable(let path, _) = error else { Issue.record("\(error)"); return }
        #expect(path.hasSuffix("/models.json"))
    }

    @Test func idsResolveToCataloguedFilesOfTheCataloguedSize() throws {
        let dir = try directory(#"{"models": [\#(entry)]}"#)
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try ModelCatalog(directory: dir)
        #expect(throws: CatalogError.notFetched(id: "tiny", path: dir.appendingPathComponent("tiny.gguf").path)) { try catalog.resolve("tiny") }
        try Data([1, 2, 3]).write(to: dir.appendingPathComponent("tiny.gguf"))
        #expect(throws: CatalogError.wrongSize(path: dir.appendingPathComponent("tiny.gguf").path, expected: 4, actual: 3)) {
            try catalog.resolve("tiny")
        }
        try Data([1, 2, 3, 4]).write(to: dir.appendingPathComponent("tiny.gguf"))
        let resolved = try catalog.resolve("tiny")
        #expect(resolved.fingerprint == "00" && resolved.bytes == 4 && resolved.entry?.license == "Apache-2.0")
        let unknown = try #require(throws: CatalogError.self) { try catalog.resolve("huge") }
        #expect(unknown.description.contains("known: tiny") && unknown.description.contains(catalog.file))
    }

    @Test func noCatalogueMeansOnlyPathsResolve() throws {
        let dir = try directory(nil)
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try ModelCatalog(directory: dir)
        #expect(!catalog.exists && catalog.entries.isEmpty)
        let error = try #require(throws: CatalogError.self) { try catalog.resolve("smollm2") }
        #expect(error.description.contains("which lists no models or does not exist"))
    }
}
