import ArgumentParser
import Foundation
import TextNLPInference

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List known models and inspect GGUF files.",
        subcommands: [List.self, Inspect.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the models of Models/models.json and whether they are fetched.")

        func run() throws {
            let catalog = try ModelCatalog()
            for e in catalog.entries {
                let path = catalog.directory.appendingPathComponent(e.file).path
                let here = FileManager.default.fileExists(atPath: path) ? "fetched" : "not fetched (scripts/fetch-models)"
                Output.line("\(e.id)\t\(e.architecture)\t\(e.quantization)\t\(e.bytes) bytes\t\(e.license)\t\(here)")
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a GGUF file's metadata and tensors.")

        @Argument(help: "A model id or a path to a .gguf file.")
        var model: String

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            let file: GGUFFile
            do {
                file = try GGUFFile(path: try ModelCatalog().resolve(model).path)
            } catch {
                throw error
            }
            if json {
                var meta: [String: Any] = [:]
                for key in file.metadataKeys { meta[key] = Self.jsonValue(file.metadata[key]) }
                let tensors = file.tensors.map { ["name": $0.name, "type": "\($0.type)", "shape": $0.shape, "bytes": $0.byteCount] as [String: Any] }
                Output.line(try Output.json(["path": file.path, "version": Int(file.version), "metadata": meta, "tensors": tensors]))
                return
            }
            Output.line("\(file.path): GGUF v\(file.version), \(file.metadata.count) metadata keys, \(file.tensors.count) tensors")
            for key in file.metadataKeys {
                Output.line("  \(key) = \(file.metadata[key]?.summary ?? "")")
            }
            var byType: [String: Int] = [:]
            for t in file.tensors { byType["\(t.type)", default: 0] += 1 }
            Output.line("tensors: " + byType.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: ", "))
            for t in file.tensors {
                Output.line("  \(t.name)\t\(t.type)\t\(t.shape)")
            }
        }

        /// Metadata as JSON; the long token arrays are kept whole, as machines want them.
        static func jsonValue(_ v: GGUFValue?) -> Any {
            guard let v else { return NSNull() }
            switch v {
            case .string(let s): return s
            case .bool(let b): return b
            case .float32(let f): return Double(f)
            case .float64(let d): return d
            case .array(_, let items): return items.map { jsonValue($0) }
            default: return v.intValue ?? NSNull()
            }
        }
    }
}
