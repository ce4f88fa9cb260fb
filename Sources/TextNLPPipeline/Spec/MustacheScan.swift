import Mustache

/// Reads Mustache templates without rendering them: syntax errors, and the top-level variables a template
/// looks up in the row (tags inside sections look up in the section's value first, so they are left out).
enum MustacheScan {
    static func syntaxProblem(_ template: String) -> String? {
        do {
            _ = try MustacheTemplate(string: template)
            return nil
        } catch {
            return "is not a valid Mustache template (\(error))"
        }
    }

    /// The partials a template includes (`{{> name}}`).
    static func partials(_ template: String) -> [String] {
        var names: [String] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{>") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            names.append(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return names
    }

    static func variables(_ template: String) -> [String] {
        var names: [String] = []
        var depth = 0
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            var tagStart = open.upperBound
            var closer = "}}"
            if rest[tagStart...].hasPrefix("{") {
                tagStart = rest.index(after: tagStart)
                closer = "}}}"
            }
            guard let close = rest[tagStart...].range(of: closer) else { break }
            let tag = rest[tagStart..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            rest = rest[close.upperBound...]
            guard let sigil = tag.first else { continue }
            let body = tag.dropFirst().trimmingCharacters(in: .whitespaces)
            switch sigil {
            case "=": return names  // custom delimiters: stop scanning rather than guess
            case "!", ">", "<", "%", "$": continue
            case "#", "^":
                if depth == 0 { names.append(head(body)) }
                depth += 1
            case "/": depth = max(0, depth - 1)
            case "&": if depth == 0 { names.append(head(body)) }
            default: if depth == 0 { names.append(head(tag)) }
            }
        }
        var seen = Set<String>()
        return names.filter { $0 != "." && !$0.isEmpty && seen.insert($0).inserted }
    }

    /// `a.b.c` looks up `a` in the row; transforms (`uppercased(name)`) look up their argument.
    private static func head(_ name: String) -> String {
        var n = Substring(name)
        if let open = n.firstIndex(of: "("), n.hasSuffix(")") { n = n[n.index(after: open)..<n.index(before: n.endIndex)] }
        return String(n.split(separator: ".", maxSplits: 1).first ?? "")
    }
}
