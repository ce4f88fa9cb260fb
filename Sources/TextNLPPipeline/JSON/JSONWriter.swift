/// Compact JSON with a fixed spelling for every value, so the same row always gives the same bytes.
public enum JSONWriter {
    public static func string(_ value: JSONValue) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    public static func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += number(d)
        case .string(let s): writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, pair) in object.pairs.enumerated() {
                if i > 0 { out += "," }
                writeString(pair.key, to: &out)
                out += ":"
                write(pair.value, to: &out)
            }
            out += "}"
        }
    }

    /// Shortest round-tripping decimal; integral values keep a ".0"-free integer form; non-finite is null.
    public static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        var pending = Substring.UnicodeScalarView()
        func flush() {
            if !pending.isEmpty { out.unicodeScalars.append(contentsOf: pending); pending = .init() }
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": flush(); out += "\\\""
            case "\\": flush(); out += "\\\\"
            case "\n": flush(); out += "\\n"
            case "\r": flush(); out += "\\r"
            case "\t": flush(); out += "\\t"
            case "\u{08}": flush(); out += "\\b"
            case "\u{0C}": flush(); out += "\\f"
            default:
                if scalar.value < 0x20 {
                    flush()
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    pending.append(scalar)
                }
            }
        }
        flush()
        out += "\""
    }
}

extension JSONWriter {
    /// Indented JSON (two spaces), for files people read: manifests and reports.
    public static func pretty(_ value: JSONValue) -> String {
        var out = ""
        pretty(value, indent: "", to: &out)
        return out + "\n"
    }

    private static func pretty(_ value: JSONValue, indent: String, to out: inout String) {
        let inner = indent + "  "
        switch value {
        case .array(let items) where !items.isEmpty:
            if items.allSatisfy({ if case .object = $0 { false } else if case .array = $0 { false } else { true } }) {
                write(value, to: &out)
                return
            }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += inner
                pretty(item, indent: inner, to: &out)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += indent + "]"
        case .object(let object) where !object.isEmpty:
            out += "{\n"
            for (i, pair) in object.pairs.enumerated() {
                out += inner
                writeString(pair.key, to: &out)
                out += ": "
                pretty(pair.value, indent: inner, to: &out)
                out += i + 1 < object.count ? ",\n" : "\n"
            }
            out += indent + "}"
        default:
            write(value, to: &out)
        }
    }
}
