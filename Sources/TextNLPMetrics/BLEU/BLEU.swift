import Foundation

/// BLEU as sacrebleu 2.6.0 computes it (`metrics/bleu.py`): corpus and sentence level, any number of
/// references, four smoothing methods, effective order, and sacrebleu's signature.
public struct BLEU: Sendable {
    public enum Smoothing: String, Sendable, CaseIterable {
        case exp, floor, addK = "add-k", none

        var defaultValue: Double? {
            switch self {
            case .floor: 0.1
            case .addK: 1
            case .exp, .none: nil
            }
        }
    }

    public var tokenizer: BLEUTokenizer = .thirteenA
    public var smoothing: Smoothing = .exp
    public var smoothValue: Double?
    public var lowercase = false
    public var effectiveOrder = false
    /// The largest n-gram order (sacrebleu's default, and the most this implementation packs).
    public let maxOrder = 4

    public init(tokenizer: BLEUTokenizer = .thirteenA, smoothing: Smoothing = .exp, smoothValue: Double? = nil,
                lowercase: Bool = false, effectiveOrder: Bool = false) {
        self.tokenizer = tokenizer
        self.smoothing = smoothing
        self.smoothValue = smoothValue
        self.lowercase = lowercase
        self.effectiveOrder = effectiveOrder
    }

    /// The sentence-level configuration sacrebleu recommends: effective order on.
    public static var sentence: BLEU { BLEU(effectiveOrder: true) }

    /// Statistics of one segment: hypothesis length, closest reference length, matches and totals per order.
    public struct Statistics: Sendable, Equatable {
        public var hypLength = 0, refLength = 0
        public var correct: [Int], total: [Int]

        init(order: Int) {
            correct = Array(repeating: 0, count: order)
            total = Array(repeating: 0, count: order)
        }

        static func + (a: Statistics, b: Statistics) -> Statistics {
            var s = a
            s.hypLength += b.hypLength
            s.refLength += b.refLength
            for i in s.correct.indices { s.correct[i] += b.correct[i]; s.total[i] += b.total[i] }
            return s
        }
    }

    func preprocess(_ text: String) -> [Unicode.Scalar] {
        var s = Array(text.unicodeScalars)
        if lowercase { s = PythonText.lower(s) }
        return tokenizer(PythonText.rstrip(s))
    }

    /// Reusable tables for scoring segments one after another.
    struct Scratch {
        var interner = SegmentInterner()
        var references = CountTable()
        var counts = CountTable()
        var a: [UInt8] = [], b: [UInt8] = []
        var wideLine: [UInt32] = [], wideA: [UInt32] = [], wideB: [UInt32] = []
        var ids: [UInt32] = []
        var lengths: [Int] = []
    }

    /// Token ids of a segment; the common case (13a, ASCII) runs on the string's own bytes.
    func tokenIDs(_ text: String, _ s: inout Scratch) -> [UInt32] {
        var text = text
        guard tokenizer == .thirteenA else { return tokenIDs(text, &s.interner) }
        var ascii = true
        let length = text.withUTF8 { bytes -> Int? in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { ascii = false; return nil }
            return MtevalASCII.tokenize(bytes, lowercase: lowercase, into: &s.a, scratch: &s.b)
        }
        s.ids.removeAll(keepingCapacity: true)
        if let length {
            s.a.withUnsafeBufferPointer { Self.intern(UnsafeBufferPointer(rebasing: $0[..<length]), &s.interner, into: &s.ids) }
            return s.ids
        }
        if !ascii {
            // Other scripts: the same substitutions on Unicode scalar values.
            s.wideLine.removeAll(keepingCapacity: true)
            if lowercase {
                s.wideLine.append(contentsOf: PythonText.lower(Array(text.unicodeScalars)).lazy.map(\.value))
            } else {
                s.wideLine.append(contentsOf: text.unicodeScalars.lazy.map(\.value))
            }
            let wide = s.wideLine.withUnsafeBufferPointer { MtevalASCII.tokenize($0, lowercase: false, into: &s.wideA, scratch: &s.wideB) }
            if let wide {
                s.wideA.withUnsafeBufferPointer { Self.intern(UnsafeBufferPointer(rebasing: $0[..<wide]), &s.interner, into: &s.ids) }
                return s.ids
            }
        }
        return tokenIDs(text, &s.interner)
    }

    /// The general path: every tokenizer, on Unicode scalars.
    func tokenIDs(_ text: String, _ interner: inout SegmentInterner) -> [UInt32] {
        PythonText.split(preprocess(text)[...]).map { interner.id($0) }
    }

    /// Appends the ids of the runs of non-space units of `t` (Python's `split()`).
    static func intern<Unit: FixedWidthInteger & UnsignedInteger>(_ t: UnsafeBufferPointer<Unit>, _ interner: inout SegmentInterner,
                                                                   into ids: inout [UInt32]) {
        var i = 0
        while i < t.count {
            while i < t.count && MtevalASCII.isSpaceUnit(t[i]) { i += 1 }
            guard i < t.count else { break }
            let start = i
            while i < t.count && !MtevalASCII.isSpaceUnit(t[i]) { i += 1 }
            ids.append(interner.id(UnsafeBufferPointer(rebasing: t[start..<i])))
        }
    }

    /// Adds every n-gram of orders 1...maxOrder (at most 4), packed into 128 bits, to `table`.
    func addNGrams(_ ids: [UInt32], to table: inout CountTable) {
        for n in 1...min(maxOrder, 4) where ids.count >= n {
            for i in 0...(ids.count - n) {
                var a = UInt64(ids[i]), b: UInt64 = 0
                if n > 1 { a |= UInt64(ids[i + 1]) << 32 }
                if n > 2 { b = UInt64(ids[i + 2]) }
                if n > 3 { b |= UInt64(ids[i + 3]) << 32 }
                table.add(a, b, UInt8(n))
            }
        }
    }

    /// Statistics of one hypothesis against its references (n-gram counts clipped by the maximum
    /// count in any reference; the closest reference length).
    func statistics(_ hyp: String, _ refs: [String], scratch s: inout Scratch) -> Statistics {
        var stats = Statistics(order: maxOrder)
        accumulate(hyp, refs, into: &stats, scratch: &s)
        return stats
    }

    /// Adds one segment's statistics to `stats` (a running corpus total or a zeroed segment).
    func accumulate<R: Sequence<String>>(_ hyp: String, _ refs: R, into stats: inout Statistics, scratch s: inout Scratch) {
        s.interner.reset()
        s.references.clear()
        s.lengths.removeAll(keepingCapacity: true)
        for ref in refs {
            let ids = tokenIDs(ref, &s)
            s.lengths.append(ids.count)
            if s.lengths.count == 1 {
                addNGrams(ids, to: &s.references)  // the first reference's counts are the maxima so far
                continue
            }
            s.counts.clear()
            addNGrams(ids, to: &s.counts)
            for k in 0..<s.counts.count {
                let (a, b, n, c) = s.counts.entry(k)
                s.references.raise(a, b, n, to: c)
            }
        }
        let ids = tokenIDs(hyp, &s)
        s.counts.clear()
        addNGrams(ids, to: &s.counts)
        stats.hypLength += ids.count
        stats.refLength += Self.closestReferenceLength(ids.count, s.lengths)
        for k in 0..<s.counts.count {
            let (a, b, n, c) = s.counts.entry(k)
            stats.total[Int(n) - 1] += Int(c)
            stats.correct[Int(n) - 1] += Int(min(c, s.references.count(a, b, n)))
        }
    }

    static func closestReferenceLength(_ hyp: Int, _ refs: [Int]) -> Int {
        var bestDiff = -1, best = -1
        for r in refs {
            let d = abs(hyp - r)
            if bestDiff == -1 || d < bestDiff {
                bestDiff = d
                best = r
            } else if d == bestDiff && r < best {
                best = r
            }
        }
        return best
    }

    /// Per-segment statistics; `references[k][i]` is the k-th reference of segment i (nil: none).
    public func segmentStatistics(hypotheses: [String], references: [[String?]]) -> [Statistics] {
        parallelMap(hypotheses.count) { range in
            var scratch = Scratch()
            return range.map { i in statistics(hypotheses[i], references.compactMap { i < $0.count ? $0[i] : nil }, scratch: &scratch) }
        }
    }

    public func corpusScore(hypotheses: [String], references: [[String?]]) -> BLEUScore {
        // Sum per chunk in parallel; no per-segment statistics are kept.
        let totals = parallelMap(hypotheses.count, minimumChunk: 64) { range -> [Statistics] in
            var scratch = Scratch()
            var total = Statistics(order: maxOrder)
            for i in range {
                accumulate(hypotheses[i], references.lazy.compactMap { i < $0.count ? $0[i] : nil }, into: &total, scratch: &scratch)
            }
            return [total]
        }
        return score(totals.reduce(Statistics(order: maxOrder), +))
    }

    public func sentenceScore(hypothesis: String, references: [String]) -> BLEUScore {
        corpusScore(hypotheses: [hypothesis], references: references.map { [$0] })
    }

    /// sacrebleu's `compute_bleu`.
    public func score(_ s: Statistics) -> BLEUScore {
        var correct = s.correct.map(Double.init), total = s.total.map(Double.init)
        let value = smoothValue ?? smoothing.defaultValue ?? 0
        var bp = 1.0
        if s.hypLength < s.refLength { bp = s.hypLength > 0 ? exp(1 - Double(s.refLength) / Double(s.hypLength)) : 0 }
        var precisions = [Double](repeating: 0, count: maxOrder)
        guard s.correct.contains(where: { $0 != 0 }) else {
            return BLEUScore(score: 0, counts: s.correct, totals: s.total, precisions: precisions, bp: bp,
                             hypLength: s.hypLength, refLength: s.refLength)
        }
        var smoothMteval = 1.0
        var effective = maxOrder
        for n in 1...maxOrder {
            if smoothing == .addK && n > 1 {
                correct[n - 1] += value
                total[n - 1] += value
            }
            if total[n - 1] == 0 { break }
            if effectiveOrder { effective = n }
            if correct[n - 1] == 0 {
                if smoothing == .exp {
                    smoothMteval *= 2
                    precisions[n - 1] = 100 / (smoothMteval * total[n - 1])
                } else if smoothing == .floor {
                    precisions[n - 1] = 100 * value / total[n - 1]
                }
            } else {
                precisions[n - 1] = 100 * correct[n - 1] / total[n - 1]
            }
        }
        var sum = 0.0
        for p in precisions[..<effective] { sum += p == 0 ? -9_999_999_999 : log(p) }
        let score = bp * exp(sum / Double(effective))
        return BLEUScore(score: score, counts: s.correct, totals: s.total, precisions: precisions, bp: bp,
                         hypLength: s.hypLength, refLength: s.refLength)
    }

    /// sacrebleu's signature, e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`.
    public func signature(references: Int) -> String {
        var smooth = smoothing.rawValue
        if let d = smoothing.defaultValue { smooth += "[" + String(format: "%.2f", smoothValue ?? d) + "]" }
        return "nrefs:\(references == -1 ? "var" : String(references))|case:\(lowercase ? "lc" : "mixed")|eff:\(effectiveOrder ? "yes" : "no")|tok:\(tokenizer.rawValue)|smooth:\(smooth)|version:\(sacrebleuVersion)"
    }
}

/// The sacrebleu version whose numbers textnlp reproduces.
public let sacrebleuVersion = "2.6.0"

public struct BLEUScore: Sendable, Equatable {
    public var score: Double
    public var counts: [Int]
    public var totals: [Int]
    public var precisions: [Double]
    public var bp: Double
    public var hypLength: Int
    public var refLength: Int

    public var ratio: Double { refLength > 0 ? Double(hypLength) / Double(refLength) : 0 }

    /// sacrebleu's verbose part: `67.2/44.1/30.0/21.3 (BP = 1.000 ratio = 1.023 hyp_len = 123 ref_len = 120)`.
    public var verbose: String {
        precisions.map { String(format: "%.1f", $0) }.joined(separator: "/")
            + String(format: " (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)", bp, ratio, hypLength, refLength)
    }
}
