/// RFC 4180 CSV: quoted fields may hold delimiters, quotes (doubled) and line breaks; records end at CRLF or LF.
/// Streams records with the line each starts on.
final class CSVReader {
    private let lines: LineReader
    let delimiter: UInt8

    init(path: String, delimiter: UInt8) throws {
        lines = try LineReader(path: path)
        self.delimiter = delimiter
    }

    func close() { lines.close() }

    enum Record {
        case fields([[UInt8]], line: Int)
        case malformed(reason: String, line: Int)
    }

    func next() throws -> Record? {
        while true {
            let bytes = lines.pending
            if bytes.isEmpty && lines.exhausted { return nil }
            switch parse(bytes, final: lines.exhausted) {
            case .needMore:
                try lines.fill()
            case .record(let fields, let consumed, let newlines):
                let line = lines.lineNumber + 1
                lines.consume(consumed, lines: newlines)
                if fields.count == 1, fields[0].isEmpty { continue }  // blank line
                return .fields(fields, line: line)
            case .malformed(let reason, let consumed, let newlines):
                let line = lines.lineNumber + 1
                lines.consume(consumed, lines: newlines)
                return .malformed(reason: reason, line: line)
            }
        }
    }

    private enum Step {
        case needMore
        case record([[UInt8]], consumed: Int, newlines: Int)
        case malformed(String, consumed: Int, newlines: Int)
    }

    private func parse(_ bytes: ArraySlice<UInt8>, final: Bool) -> Step {
        var fields: [[UInt8]] = []
        var field: [UInt8] = []
        var i = bytes.startIndex
        var newlines = 0
        var quoted = false
        var afterQuote = false
        var bad: String?
        while i < bytes.endIndex {
            let b = bytes[i]
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.endIndex {
                        if bytes[i + 1] == UInt8(ascii: "\"") { field.append(b); i += 2; continue }
                    } else if !final {
                        return .needMore
                    }
                    quoted = false
                    afterQuote = true
                } else {
                    if b == 0x0A { newlines += 1 }
                    field.append(b)
                }
                i += 1
                continue
            }
            if b == delimiter {
                fields.append(field); field = []; afterQuote = false
            } else if b == 0x0A {
                if field.last == 0x0D, !afterQuote { field.removeLast() }
                fields.append(field)
                newlines += 1
                let consumed = i + 1 - bytes.startIndex
                if let bad { return .malformed(bad, consumed: consumed, newlines: newlines) }
                return .record(fields, consumed: consumed, newlines: newlines)
            } else if b == UInt8(ascii: "\"") && field.isEmpty && !afterQuote {
                quoted = true
            } else if afterQuote && b != 0x0D {
                bad = bad ?? "text after a closing quote"
            } else if b == UInt8(ascii: "\"") {
                bad = bad ?? "a quote inside an unquoted field"
            } else if !(afterQuote && b == 0x0D) {
                field.append(b)
            }
            i += 1
        }
        guard final else { return .needMore }
        if quoted { return .malformed("unterminated quoted field", consumed: bytes.count, newlines: newlines) }
        fields.append(field)
        if let bad { return .malformed(bad, consumed: bytes.count, newlines: newlines) }
        return .record(fields, consumed: bytes.count, newlines: newlines)
    }
}
