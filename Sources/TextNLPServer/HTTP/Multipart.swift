import Foundation

/// A `multipart/form-data` body split into its parts (RFC 7578): each with its name, its filename if it
/// is a file, and its bytes.
struct Multipart {
    struct Part {
        var name: String
        var filename: String?
        var body: ArraySlice<UInt8>
    }

    var parts: [Part]

    /// The boundary of a `multipart/form-data` content type, nil for another type.
    static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() where piece.lowercased().hasPrefix("boundary=") {
            var b = String(piece.dropFirst("boundary=".count))
            if b.hasPrefix("\""), b.hasSuffix("\""), b.count >= 2 { b = String(b.dropFirst().dropLast()) }
            return b.isEmpty ? nil : b
        }
        return nil
    }

    struct Malformed: Error { var reason: String }

    static func parse(_ body: [UInt8], boundary: String) throws(Malformed) -> Multipart {
        let delimiter = Array("--\(boundary)".utf8)
        guard var at = find(delimiter, in: body, from: 0) else { throw Malformed(reason: "no part starts with the boundary") }
        var parts: [Part] = []
        while true {
            at += delimiter.count
            // "--" after a delimiter ends the body.
            if body.count >= at + 2, body[at] == UInt8(ascii: "-"), body[at + 1] == UInt8(ascii: "-") { break }
            guard let headerStart = skipLineBreak(body, at) else { throw Malformed(reason: "a boundary is not followed by a line break") }
            guard let headerEnd = find(Array("\r\n\r\n".utf8), in: body, from: headerStart) else { throw Malformed(reason: "a part has no end of headers") }
            let headers = String(decoding: body[headerStart..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = find(Array("\r\n".utf8) + delimiter, in: body, from: contentStart) else {
                throw Malformed(reason: "a part is not closed by the boundary")
            }
            let (name, filename) = disposition(headers)
            guard let name else { throw Malformed(reason: "a part has no Content-Disposition name") }
            parts.append(Part(name: name, filename: filename, body: body[contentStart..<next]))
            at = next + 2
        }
        return Multipart(parts: parts)
    }

    private static func skipLineBreak(_ body: [UInt8], _ at: Int) -> Int? {
        if body.count >= at + 2, body[at] == 13, body[at + 1] == 10 { return at + 2 }
        return nil
    }

    /// The `name` and `filename` parameters of the part's Content-Disposition header.
    static func disposition(_ headers: String) -> (String?, String?) {
        for line in headers.split(separator: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition" else { continue }
            var name: String?, filename: String?
            for param in pair[1].split(separator: ";").dropFirst() {
                let kv = param.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { continue }
                var value = kv[1].trimmingCharacters(in: .whitespaces)
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                switch kv[0].trimmingCharacters(in: .whitespaces).lowercased() {
                case "name": name = value
                case "filename": filename = value
                default: break
                }
            }
            return (name, filename)
        }
        return (nil, nil)
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var i = from
        let first = needle[0], last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
