import Foundation

/// The string operations of Python 3 that the reference metrics rely on, on Unicode scalars
/// (Python's characters are code points), so results match sacrebleu and rouge-score exactly.
enum PythonText {
    /// `str.isspace()`: Unicode White_Space plus the four information separators U+001C–U+001F.
    @inline(__always)
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 128 { return v == 32 || (v >= 9 && v <= 13) || (v >= 0x1C && v <= 0x1F) }
        // The White_Space property above ASCII (stable since Unicode 4.1).
        switch v {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// `str.split()`: runs of non-space characters.
    static func split(_ scalars: ArraySlice<Unicode.Scalar>) -> [ArraySlice<Unicode.Scalar>] {
        var out: [ArraySlice<Unicode.Scalar>] = []
        var i = scalars.startIndex
        let end = scalars.endIndex
        while i < end {
            while i < end && isSpace(scalars[i]) { i += 1 }
            guard i < end else { break }
            let start = i
            while i < end && !isSpace(scalars[i]) { i += 1 }
            out.append(scalars[start..<i])
        }
        return out
    }

    static func split(_ text: String) -> [ArraySlice<Unicode.Scalar>] {
        split(Array(text.unicodeScalars)[...])
    }

    /// `str.rstrip()` / `str.strip()`.
    static func rstrip(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var end = s.count
        while end > 0 && isSpace(s[end - 1]) { end -= 1 }
        return Array(s[..<end])
    }

    static func strip(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var start = 0
        let r = rstrip(s)
        while start < r.count && isSpace(r[start]) { start += 1 }
        return Array(r[start...])
    }

    /// `str.lower()`: full lowercase mappings, with Greek capital sigma becoming final sigma at the
    /// end of a word (Python's Final_Sigma rule).
    static func lower(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for (i, c) in s.enumerated() {
            if c.value < 128 {
                out.append(c.value >= 65 && c.value <= 90 ? Unicode.Scalar(c.value + 32)! : c)
            } else if c.value == 0x03A3 {
                out.append(finalSigma(s, i) ? "\u{03C2}" : "\u{03C3}")
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    /// Σ at `i` is final when a cased letter precedes it and none follows (case-ignorable ones skipped).
    private static func finalSigma(_ s: [Unicode.Scalar], _ i: Int) -> Bool {
        var j = i - 1
        while j >= 0 && s[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0, s[j].properties.isCased else { return false }
        var k = i + 1
        while k < s.count && s[k].properties.isCaseIgnorable { k += 1 }
        return !(k < s.count && s[k].properties.isCased)
    }

    static func string(_ s: some Sequence<Unicode.Scalar>) -> String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: s)
        return String(v)
    }
}

/// Interns tokens (compared by code points, like Python strings) as small integers.
/// Lookups go through a 64-bit hash of the code points, verified against the stored token.
struct TokenTable {
    private var byHash: [UInt64: Int32] = [:]
    private var collisions: [[UInt32]: Int32] = [:]
    private var texts: [[UInt32]] = []

    mutating func id(_ token: ArraySlice<Unicode.Scalar>) -> Int32 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for c in token { h = (h ^ UInt64(c.value)) &* 0x100_0000_01B3 }
        if let id = byHash[h] {
            if texts[Int(id)].elementsEqual(token.lazy.map(\.value)) { return id }
            let key = token.map(\.value)
            if let id = collisions[key] { return id }
            let id = Int32(texts.count)
            texts.append(key)
            collisions[key] = id
            return id
        }
        let id = Int32(texts.count)
        texts.append(token.map(\.value))
        byHash[h] = id
        return id
    }

    mutating func ids(_ tokens: [ArraySlice<Unicode.Scalar>]) -> [Int32] {
        tokens.map { id($0) }
    }

    /// The code points of a token.
    func scalars(_ id: Int32) -> [UInt32] { texts[Int(id)] }
}

/// Maps `count` items in parallel over contiguous chunks; each chunk gets its own state
/// (a token table), so the order of the results and the scores do not depend on the split.
func parallelMap<T: Sendable>(_ count: Int, minimumChunk: Int = 64, _ body: @Sendable (Range<Int>) -> [T]) -> [T] {
    let chunks = max(1, min(count / minimumChunk, 4 * ProcessInfo.processInfo.activeProcessorCount))
    guard chunks > 1 else { return body(0..<count) }
    let results = ChunkResults<T>(chunks)
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let lo = count * c / chunks, hi = count * (c + 1) / chunks
        results.set(c, body(lo..<hi))
    }
    return results.joined()
}

/// One slot per chunk, each written by exactly one worker before `joined()` reads them all.
private final class ChunkResults<T>: @unchecked Sendable {
    private var slots: [[T]]
    private let lock = NSLock()
    init(_ n: Int) { slots = Array(repeating: [], count: n) }
    func set(_ i: Int, _ value: [T]) { lock.withLock { slots[i] = value } }
    func joined() -> [T] { lock.withLock { slots.flatMap { $0 } } }
}

/// An n-gram of up to six token ids or code points, as a dictionary key.
struct NGram: Hashable {
    var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0
    var n: UInt8 = 0

    init<C: RandomAccessCollection>(_ items: C) where C.Element == UInt32, C.Index == Int {
        n = UInt8(items.count)
        var i = 0
        for x in items {
            let v = UInt64(x)
            switch i / 2 {
            case 0: a |= i % 2 == 0 ? v : v << 32
            case 1: b |= i % 2 == 0 ? v : v << 32
            default: c |= i % 2 == 0 ? v : v << 32
            }
            i += 1
        }
    }
}

/// Counts of n-grams.
typealias NGramCounts = [NGram: Int]

extension Array where Element == Int32 {
    /// Counts of all n-grams of orders `1...maxOrder`, keyed by order.
    func ngramCounts(order n: Int) -> NGramCounts {
        var counts: NGramCounts = [:]
        guard count >= n else { return counts }
        let v = map { UInt32(bitPattern: $0) }
        for i in 0...(count - n) { counts[NGram(v[i..<(i + n)]), default: 0] += 1 }
        return counts
    }
}
