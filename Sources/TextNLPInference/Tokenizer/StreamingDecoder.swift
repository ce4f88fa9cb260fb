/// Turns a stream of token bytes into text without ever emitting half a UTF-8 character:
/// bytes of an incomplete character at the end are held back until the rest arrives.
public struct StreamingDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Adds bytes and returns the text that is complete so far.
    public mutating func push(_ bytes: [UInt8]) -> String {
        pending.append(contentsOf: bytes)
        let cut = Self.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whatever is held back, with an incomplete character shown as U+FFFD.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Length of the longest prefix that does not end inside a character that may still be completed.
    static func completePrefixLength(_ b: [UInt8]) -> Int {
        var i = b.count - 1
        var continuation = 0
        while i >= 0 && continuation < 3 && (b[i] & 0xC0) == 0x80 {
            continuation += 1
            i -= 1
        }
        guard i >= 0 else { return b.count }  // only continuation bytes: invalid, let them out
        let lead = b[i]
        let needed: Int
        switch lead {
        case 0xC2...0xDF: needed = 1
        case 0xE0...0xEF: needed = 2
        case 0xF0...0xF4: needed = 3
        default: return b.count
        }
        return continuation < needed ? i : b.count
    }
}
