import Foundation

/// Translation edit rate with shifts, following sacrebleu's `lib_ter.py` (itself a port of tercom):
/// a greedy search for the shift that lowers the beam-limited edit distance most, repeated.
enum TERAlgorithm {
    static let maxShiftSize = 10
    static let maxShiftDistance = 50
    static let beamWidth = 25
    static let maxShiftCandidates = 1000
    static let infinity = Int(1e16)

    enum Op: UInt8 { case insert, delete, keep, substitute, undefined }

    /// (edits, reference length) of a hypothesis against one reference.
    static func editRate(_ hyp: [Int32], _ ref: [Int32], table: TokenTable) -> (Int, Int) {
        if ref.isEmpty { return (hyp.count, 0) }
        var words = hyp
        var shifts = 0
        var checked = 0
        while true {
            let (delta, shifted, n) = shift(words, ref, checked: checked, table: table)
            checked = n
            if checked >= maxShiftCandidates || delta <= 0 { break }
            shifts += 1
            words = shifted
        }
        return (shifts + editDistance(words, ref).distance, ref.count)
    }

    /// The best single shift, as (gain, shifted words, candidates checked so far).
    static func shift(_ h: [Int32], _ r: [Int32], checked: Int, table: TokenTable) -> (Int, [Int32], Int) {
        let (preScore, trace, baseCost) = editDistanceWithMatrix(h, r)
        // The trace is from the reference's point of view; flip insertions and deletions.
        let (align, refErr, hypErr) = alignment(trace.map { $0 == .insert ? .delete : $0 == .delete ? .insert : $0 })
        var checked = checked
        var best: (score: Int, length: Int, negStart: Int, negIndex: Int, words: [Int32])?
        search: for (startH, startR, length) in shiftedPairs(h, r) {
            if hypErr[startH..<min(startH + length, hypErr.count)].reduce(0, +) == 0 { continue }
            if refErr[startR..<min(startR + length, refErr.count)].reduce(0, +) == 0 { continue }
            if let a = align[startR], startH <= a && a < startH + length { continue }
            var previous = -1
            for offset in -1..<length {
                let index: Int
                if startR + offset == -1 {
                    index = 0
                } else if let a = align[startR + offset] {
                    index = a + 1
                } else {
                    break
                }
                if index == previous { continue }
                previous = index
                let shifted = perform(h, start: startH, length: length, target: index)
                // Rows before the first moved word are those of `h`: start from there.
                let same = min(startH, index)
                let candidate = (preScore - distance(shifted, r, base: baseCost, sharedRows: same), length, -startH, -index, shifted)
                checked += 1
                if best.map({ isGreater(candidate, $0, table) }) ?? true { best = candidate }
            }
            if checked >= maxShiftCandidates { break search }
        }
        guard let best else { return (0, h, checked) }
        return (best.score, best.words, checked)
    }

    /// Python's tuple comparison of candidates: gain, length, -start, -target, then the words.
    static func isGreater(_ a: (Int, Int, Int, Int, [Int32]), _ b: (score: Int, length: Int, negStart: Int, negIndex: Int, words: [Int32]), _ table: TokenTable) -> Bool {
        if a.0 != b.score { return a.0 > b.score }
        if a.1 != b.length { return a.1 > b.length }
        if a.2 != b.negStart { return a.2 > b.negStart }
        if a.3 != b.negIndex { return a.3 > b.negIndex }
        return table.compare(a.4, b.words) > 0
    }

    /// `_perform_shift`, with Python's clamped slices.
    static func perform(_ w: [Int32], start: Int, length: Int, target: Int) -> [Int32] {
        func slice(_ from: Int, _ to: Int? = nil) -> ArraySlice<Int32> {
            let lo = min(max(from, 0), w.count), hi = min(max(to ?? w.count, 0), w.count)
            return lo < hi ? w[lo..<hi] : []
        }
        if target < start {
            return Array(slice(0, target) + slice(start, start + length) + slice(target, start) + slice(start + length))
        } else if target > start + length {
            return Array(slice(0, start) + slice(start + length, target) + slice(start, start + length) + slice(target))
        } else {
            return Array(slice(0, start) + slice(start + length, length + target) + slice(start, start + length) + slice(length + target))
        }
    }

    static func shiftedPairs(_ h: [Int32], _ r: [Int32]) -> [(Int, Int, Int)] {
        var out: [(Int, Int, Int)] = []
        for startH in 0..<h.count {
            for startR in 0..<r.count where abs(startR - startH) <= maxShiftDistance {
                var length = 0
                while h[startH + length] == r[startR + length] && length < maxShiftSize {
                    length += 1
                    out.append((startH, startR, length))
                    if h.count == startH + length || r.count == startR + length { break }
                }
            }
        }
        return out
    }

    static func alignment(_ trace: [Op]) -> ([Int: Int], [Int], [Int]) {
        var posH = -1, posR = -1
        var hypErr: [Int] = [], refErr: [Int] = []
        var align: [Int: Int] = [:]
        for op in trace {
            switch op {
            case .keep, .substitute:
                posH += 1
                posR += 1
                align[posR] = posH
                let e = op == .keep ? 0 : 1
                hypErr.append(e)
                refErr.append(e)
            case .insert:
                posH += 1
                hypErr.append(1)
            case .delete:
                posR += 1
                align[posR] = posH
                refErr.append(1)
            case .undefined:
                break
            }
        }
        return (align, refErr, hypErr)
    }

    static func editDistance(_ h: [Int32], _ r: [Int32]) -> (distance: Int, trace: [Op]) {
        let (d, t, _) = editDistanceWithMatrix(h, r)
        return (d, t)
    }

    /// The beam of row `i`: columns `lo..<hi` (tercom's pseudo-diagonal band).
    @inline(__always)
    static func band(_ i: Int, nH: Int, nR: Int) -> (Int, Int) {
        let ratio = nH > 0 ? Double(nR) / Double(nH) : 1
        let beam = Double(beamWidth) < ratio / 2 ? Int((ratio / 2 + Double(beamWidth)).rounded(.up)) : beamWidth
        let diag = Int((Double(i) * ratio).rounded(.down))
        let lo = max(0, diag - beam)
        let hi = i == nH ? nR + 1 : min(nR + 1, diag + beam)
        return (lo, max(lo, hi))
    }

    /// The distance of `h` when its first `sharedRows` words equal those of the hypothesis whose
    /// cost matrix is `base`: rows up to there are reused, the rest computed in two rolling rows.
    static func distance(_ h: [Int32], _ r: [Int32], base: [Int], sharedRows: Int) -> Int {
        let nH = h.count, nR = r.count, width = nR + 1
        var prev = Array(base[(sharedRows * width)..<((sharedRows + 1) * width)])
        var cur = [Int](repeating: infinity, count: width)
        guard sharedRows < nH else { return prev[nR] }
        for i in (sharedRows + 1)...nH {
            for j in 0..<width { cur[j] = infinity }
            let (lo, hi) = band(i, nH: nH, nR: nR)
            for j in lo..<hi {
                if j == 0 {
                    cur[0] = prev[0] + 1
                    continue
                }
                let sub = prev[j - 1] + (h[i - 1] == r[j - 1] ? 0 : 1)
                var c = cur[j]
                if c > sub { c = sub }
                if c > prev[j] + 1 { c = prev[j] + 1 }
                if c > cur[j - 1] + 1 { c = cur[j - 1] + 1 }
                cur[j] = c
            }
            swap(&prev, &cur)
        }
        return prev[nR]
    }

    /// Beam-limited Levenshtein distance with its trace (`BeamEditDistance._edit_distance`) and cost matrix.
    static func editDistanceWithMatrix(_ h: [Int32], _ r: [Int32]) -> (distance: Int, trace: [Op], cost: [Int]) {
        let nH = h.count, nR = r.count
        let width = nR + 1
        var cost = [Int](repeating: infinity, count: (nH + 1) * width)
        var ops = [Op](repeating: .undefined, count: (nH + 1) * width)
        for j in 0...nR {
            cost[j] = j
            ops[j] = .insert
        }
        if nH > 0 {
            for i in 1...nH {
                let (lo, hi) = band(i, nH: nH, nR: nR)
                for j in lo..<hi {
                    let at = i * width + j
                    if j == 0 {
                        cost[at] = cost[at - width] + 1
                        ops[at] = .delete
                        continue
                    }
                    let same = h[i - 1] == r[j - 1]
                    let candidates: [(Int, Op)] = [
                        (cost[at - width - 1] + (same ? 0 : 1), same ? .keep : .substitute),
                        (cost[at - width] + 1, .delete),
                        (cost[at - 1] + 1, .insert),
                    ]
                    for (c, op) in candidates where cost[at] > c {
                        cost[at] = c
                        ops[at] = op
                    }
                }
            }
        }
        var trace: [Op] = []
        var i = nH, j = nR
        while i > 0 || j > 0 {
            let op = ops[i * width + j]
            trace.append(op)
            switch op {
            case .keep, .substitute: i -= 1; j -= 1
            case .insert: j -= 1
            case .delete: i -= 1
            case .undefined: i = 0; j = 0  // outside the beam; tercom never gets here
            }
        }
        return (cost[nH * width + nR], trace.reversed(), cost)
    }
}

extension TokenTable {
    /// Compares two word sequences as Python compares lists of str (code point order).
    func compare(_ a: [Int32], _ b: [Int32]) -> Int {
        for (x, y) in zip(a, b) where x != y {
            let sx = scalars(x), sy = scalars(y)
            for (p, q) in zip(sx, sy) where p != q { return p < q ? -1 : 1 }
            if sx.count != sy.count { return sx.count < sy.count ? -1 : 1 }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}
