import Foundation

/// One item read from an input: a row's fields, or why the line could not become a row.
enum SourceItem {
    case row(JSONObject, line: Int)
    case bad(reason: String, line: Int)
}

/// Reads any supported input format as a stream of `SourceItem`s.
struct SourceReader {
    private enum Backend {
        case lines(LineReader, text: Bool)
        case csv(CSVReader, header: [String])
        case array([JSONValue], index: Int, lines: [Int])
    }

    private var backend: Backend
    private let spec: IngestSpec

    init(_ spec: IngestSpec) throws {
        self.spec = spec
        switch spec.format {
        case .jsonl: backend = .lines(try LineReader(path: spec.path), text: false)
        case .text: backend = .lines(try LineReader(path: spec.path), text: true)
        case .csv:
            let reader = try CSVReader(path: spec.path, delimiter: spec.delimiter)
            switch try reader.next() {
            case .fields(let names, let line)?:
                var header: [String] = []
                for (i, bytes) in names.enumerated() {
                    guard let name = String(validating: bytes, as: UTF8.self) else {
                        throw PipelineError.badRow(file: spec.path, line: line, reason: "header column \(i + 1) is not valid UTF-8")
                    }
                    header.append(name.trimmingCharacters(in: .whitespaces))
                }
                if Set(header).count != header.count {
                    throw PipelineError.badRow(file: spec.path, line: line, reason: "the header repeats a column name")
                }
                backend = .csv(reader, header: header)
            case .malformed(let reason, let line)?:
                throw PipelineError.badRow(file: spec.path, line: line, reason: "header: \(reason)")
            case nil:
                backend = .csv(reader, header: [])
            }
        case .json:
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: spec.path)) } catch {
                throw PipelineError.io(path: spec.path, reason: "cannot read (\(error.localizedDescription))")
            }
            let bytes = Array(data)
            let root: JSONValue
            do { root = try JSONParser.parse(bytes) } catch {
                throw PipelineError.badRow(file: spec.path, line: error.line, reason: "not valid JSON: column \(error.column): \(error.reason)")
            }
            guard case .array(let items) = root else {
                throw PipelineError.badRow(file: spec.path, line: 1, reason: "a json input must be an array of objects, not \(root.typeName)")
            }
            backend = .array(items, index: 0, lines: Self.elementLines(bytes, count: items.count))
        }
    }

    func close() {
        switch backend {
        case .lines(let r, _): r.close()
        case .csv(let r, _): r.close()
        case .array: break
        }
    }

    mutating func next() throws -> SourceItem? {
        switch backend {
        case .lines(let reader, let text):

            while let line = try reader.next() {
                let n = reader.lineNumber
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                if text {
                    guard let s = String(validating: line, as: UTF8.self) else { return .bad(reason: "invalid UTF-8", line: n) }
                    return .row(JSONObject([(spec.textField, .string(s))]), line: n)
                }
                do {
                    let value = try JSONParser.parse(Array(line))
                    guard case .object(let o) = value else { return .bad(reason: "a line must hold a JSON object, not \(value.typeName)", line: n) }
                    return .row(o, line: n)
                } catch {
                    return .bad(reason: "invalid JSON at column \(error.column): \(error.reason)", line: n)
                }
            }
            return nil
        case .csv(let reader, let header):

            guard let record = try reader.next() else { return nil }
            switch record {
            case .malformed(let reason, let line): return .bad(reason: reason, line: line)
            case .fields(let fields, let line):
                guard fields.count == header.count else {
                    return .bad(reason: "\(fields.count) columns, the header has \(header.count)", line: line)
                }
                var o = JSONObject()
                for (name, bytes) in zip(header, fields) {
                    guard let s = String(validating: bytes, as: UTF8.self) else {
                        return .bad(reason: "column \"\(name)\" is not valid UTF-8", line: line)
                    }
                    o[name] = .string(s)
                }
                return .row(o, line: line)
            }
        case .array(let items, let index, let lines):
            guard index < items.count else { return nil }
            backend = .array(items, index: index + 1, lines: lines)
            let line = index < lines.count ? lines[index] : 1
            guard case .object(let o) = items[index] else {
                return .bad(reason: "element \(index) must be an object, not \(items[index].typeName)", line: line)
            }
            return .row(o, line: line)
        }
    }

    /// The line on which each top-level element of a JSON array starts, for error messages.
    private static func elementLines(_ bytes: [UInt8], count: Int) -> [Int] {
        var lines: [Int] = []
        var line = 1, depth = 0
        var inString = false, escaped = false, expectValue = false
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                if b == 0x0A { line += 1 }
                continue
            }
            switch b {
            case 0x0A: line += 1
            case 0x20, 0x09, 0x0D: break
            default:
                if depth == 1, expectValue, b != UInt8(ascii: "]") { lines.append(line); expectValue = false }
                switch b {
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    depth += 1
                    if depth == 1 { expectValue = true }
                case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
                case UInt8(ascii: ","): if depth == 1 { expectValue = true }
                case UInt8(ascii: "\""): inString = true
                default: break
                }
            }
        }
        return lines
    }
}

/// The field names of an input, read from its first rows (or its CSV header), for reference checks.
enum InputFields {
    static func sample(_ spec: IngestSpec, rows: Int = 100) -> Set<String>? {
        guard var reader = try? SourceReader(spec) else { return nil }
        defer { reader.close() }
        var fields: Set<String> = ["id"]
        var seen = 0
        while seen < rows, let item = try? reader.next() {
            if case .row(let o, _) = item { fields.formUnion(o.keys); seen += 1 }
        }
        return fields
    }
}
