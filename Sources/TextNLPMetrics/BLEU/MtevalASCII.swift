/// The 13a tokenizer without allocations: the same substitutions as `BLEUTokenizer.mteval13a` and
/// `BLEUTokenizer.regexp`, on ASCII bytes or Unicode scalar values in reusable buffers. Used for every
/// segment without the rare replacements; the fixtures check both paths against sacrebleu.
enum MtevalASCII {
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 32 || (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x1F) }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    @inline(__always) static func isPeriodOrComma(_ c: UInt8) -> Bool { c == 46 || c == 44 }
    @inline(__always) static func isPunct(_ v: UInt8) -> Bool {
        (0x7B...0x7E).contains(v) || (0x5B...0x60).contains(v) || (0x20...0x26).contains(v)
            || (0x28...0x2B).contains(v) || (0x3A...0x40).contains(v) || v == 0x2F
    }

    /// 13a on a line given as code units (ASCII bytes, or Unicode scalar values), without allocating:
    /// lowercasing (ASCII only; the caller lowercases other text first) and right-stripping as
    /// `BLEU.preprocess` does. The result is the first `n` units of `a` for the returned `n` (`b` is
    /// scratch); nil when the line needs the rare replacements (`<skipped>`, newlines, entities), for
    /// which the caller takes the general path.
    static func tokenize<Unit: FixedWidthInteger & UnsignedInteger>(
        _ line: UnsafeBufferPointer<Unit>, lowercase: Bool, into a: inout [Unit], scratch b: inout [Unit]
    ) -> Int? {
        var end = line.count
        while end > 0 && isSpaceUnit(line[end - 1]) { end -= 1 }
        // Pass 1 at most triples the line; each pair pass adds at most one unit per matched unit.
        let capacity = 6 * end + 16
        if a.count < capacity { a = Array(repeating: 0, count: capacity) }
        if b.count < capacity { b = Array(repeating: 0, count: capacity) }
        var n = 0
        var periods = false, dashes = false
        let ok = a.withUnsafeMutableBufferPointer { out -> Bool in
            out[0] = 32
            n = 1
            for i in 0..<end {
                var c = line[i]
                if c == 60 || c == 10 || c == 38 { return false }  // '<', '\n', '&'
                if lowercase && c >= 65 && c <= 90 { c += 32 }
                if c < 128 && isPunct(UInt8(c)) {
                    out[n] = 32
                    out[n + 1] = c
                    out[n + 2] = 32
                    n += 3
                } else {
                    out[n] = c
                    n += 1
                    periods = periods || c == 46 || c == 44
                    dashes = dashes || c == 45
                }
            }
            out[n] = 32
            out[n + 1] = 32
            out[n + 2] = 32
            n += 3
            return true
        }
        guard ok else { return nil }
        let digit: (Unit) -> Bool = { $0 >= 48 && $0 <= 57 }
        let periodOrComma: (Unit) -> Bool = { $0 == 46 || $0 == 44 }
        if periods {
            n = pairs(a, n, into: &b, { !digit($0) }, periodOrComma, .init(after: true))
            n = pairs(b, n, into: &a, periodOrComma, { !digit($0) }, .init(before: true))
        }
        if dashes {
            n = pairs(a, n, into: &b, digit, { $0 == 45 }, .init(after: true))
            swap(&a, &b)
        }
        return n
    }

    /// Python's `isspace` on a code unit.
    @inline(__always)
    static func isSpaceUnit<Unit: FixedWidthInteger & UnsignedInteger>(_ c: Unit) -> Bool {
        if c < 128 { return isSpace(UInt8(c)) }
        return Unicode.Scalar(UInt32(truncatingIfNeeded: c)).map(PythonText.isSpace) ?? false
    }

    /// A pair pass over the first `count` units of `s` into `out` (large enough); returns the new length.
    @inline(__always)
    static func pairs<Unit: FixedWidthInteger>(_ s: [Unit], _ count: Int, into out: inout [Unit], _ first: (Unit) -> Bool,
                                               _ second: (Unit) -> Bool, _ spacing: BLEUTokenizer.Spacing) -> Int {
        s.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                var i = 0, n = 0
                while i < count {
                    if i + 1 < count && first(s[i]) && second(s[i + 1]) {
                        if spacing.before { o[n] = 32; n += 1 }
                        o[n] = s[i]
                        n += 1
                        if spacing.between { o[n] = 32; n += 1 }
                        o[n] = s[i + 1]
                        n += 1
                        if spacing.after { o[n] = 32; n += 1 }
                        i += 2
                    } else {
                        o[n] = s[i]
                        n += 1
                        i += 1
                    }
                }
                return n
            }
        }
    }
}
