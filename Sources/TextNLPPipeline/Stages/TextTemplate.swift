import Foundation
import Mustache

/// A Mustache template rendered as plain text (no HTML escaping) over a row's fields.
public struct TextTemplate: Sendable {
    static let pragma = "{{% CONTENT_TYPE: TEXT}}"
    let template: MustacheTemplate
    let variables: [String]
    let library: MustacheLibrary?

    public init(_ text: String, library: MustacheLibrary? = nil) throws {
        template = try MustacheTemplate(string: Self.pragma + text)
        variables = MustacheScan.variables(text)
        self.library = library
    }

    /// Loads `*.mustache` files of a directory as partials (named by file name without extension).
    public static func partials(directory: String) throws -> MustacheLibrary {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else {
            throw PipelineError.io(path: directory, reason: "cannot list the partials directory")
        }
        var library = MustacheLibrary()
        for name in names.sorted() where name.hasSuffix(".mustache") {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = fm.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw PipelineError.io(path: path, reason: "cannot read the partial as UTF-8")
            }
            do {
                try library.register(pragma + text, named: String(name.dropLast(".mustache".count)))
            } catch {
                throw PipelineError.io(path: path, reason: "not a valid Mustache template (\(error))")
            }
        }
        return library
    }

    /// The top-level variables the row lacks.
    public func missing(in row: Row) -> [String] {
        variables.filter { row.value($0) == nil }
    }

    public func render(_ row: Row) -> String {
        template.render(Self.context(row), library: library)
    }

    public func render(_ values: [String: Any]) -> String {
        template.render(values, library: library)
    }

    static func context(_ row: Row) -> [String: Any] {
        var context: [String: Any] = [:]
        for (k, v) in row.fields.pairs { context[k] = mustacheValue(v) }
        if let output = row.output { for (k, v) in output.pairs { context[k] = mustacheValue(v) } }
        if context["id"] == nil { context["id"] = row.id }
        return context
    }

    static func mustacheValue(_ value: JSONValue) -> Any {
        switch value {
        case .null: return ""
        case .bool(let b): return b
        case .int(let i): return Int(i)
        case .double(let d): return JSONWriter.number(d)
        case .string(let s): return s
        case .array(let items): return items.map(mustacheValue)
        case .object(let o):
            var d: [String: Any] = [:]
            for (k, v) in o.pairs { d[k] = mustacheValue(v) }
            return d
        }
    }
}
