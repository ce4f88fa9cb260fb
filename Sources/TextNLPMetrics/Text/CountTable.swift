/// A reusable open-addressing hash table from an n-gram key (up to 128 bits of packed ids or code
/// points, plus its order) to a count. Clearing is O(1) (a generation stamp), so one table serves
/// every segment without reallocating; hashing is a multiply-xor, cheaper than `Hasher`.
struct CountTable {
    private var lo: [UInt64]
    private var hi: [UInt64]
    private var order: [UInt8]
    private var counts: [Int32]
    private var stamps: [UInt32]
    private var stamp: UInt32 = 1
    private var mask: Int
    /// Slots in use, in insertion order.
    private(set) var used: [Int32] = []

    init(capacity: Int = 256) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        lo = Array(repeating: 0, count: n)
        hi = lo
        order = Array(repeating: 0, count: n)
        counts = Array(repeating: 0, count: n)
        stamps = Array(repeating: 0, count: n)
        mask = n - 1
    }

    var isEmpty: Bool { used.isEmpty }

    mutating func clear() {
        stamp &+= 1
        if stamp == 0 {
            for i in stamps.indices { stamps[i] = 0 }
            stamp = 1
        }
        used.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private func slot(_ a: UInt64, _ b: UInt64, _ n: UInt8) -> Int {
        var h = a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ UInt64(n)) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 31
        var i = Int(truncatingIfNeeded: h) & mask
        while stamps[i] == stamp && !(lo[i] == a && hi[i] == b && order[i] == n) { i = (i + 1) & mask }
        return i
    }

    @inline(__always)
    func count(_ a: UInt64, _ b: UInt64, _ n: UInt8) -> Int32 {
        let i = slot(a, b, n)
        return stamps[i] == stamp ? counts[i] : 0
    }

    /// Adds `value` to a key's count.
    @inline(__always)
    mutating func add(_ a: UInt64, _ b: UInt64, _ n: UInt8, _ value: Int32 = 1) {
        update(a, b, n) { $0 + value }
    }

    /// Raises a key's count to at least `value`.
    @inline(__always)
    mutating func raise(_ a: UInt64, _ b: UInt64, _ n: UInt8, to value: Int32) {
        update(a, b, n) { Swift.max($0, value) }
    }

    @inline(__always)
    private mutating func update(_ a: UInt64, _ b: UInt64, _ n: UInt8, _ f: (Int32) -> Int32) {
        if used.count * 2 >= mask { grow() }
        let i = slot(a, b, n)
        if stamps[i] != stamp {
            stamps[i] = stamp
            lo[i] = a
            hi[i] = b
            order[i] = n
            counts[i] = f(0)
            used.append(Int32(i))
        } else {
            counts[i] = f(counts[i])
        }
    }

    /// Every (key, count) in insertion order.
    @inline(__always)
    func entry(_ k: Int) -> (UInt64, UInt64, UInt8, Int32) {
        let i = Int(used[k])
        return (lo[i], hi[i], order[i], counts[i])
    }

    private mutating func grow() {
        let entries = (0..<used.count).map(entry)
        self = CountTable(capacity: (mask + 1))
        for (a, b, n, c) in entries { add(a, b, n, c) }
    }
}

/// Interns the tokens of one segment (hypothesis and references) as small ids, by code points.
/// Reset between segments; ids only need to agree within a segment.
struct SegmentInterner {
    private var arena: [UInt32] = []
    private var starts: [Int] = []
    private var lengths: [Int] = []
    private var table = CountTable(capacity: 64)

    mutating func reset() {
        arena.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        table.clear()
    }

    /// The id of a token; equal code point sequences get equal ids.
    mutating func id(_ token: ArraySlice<Unicode.Scalar>) -> UInt32 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for c in token { h = (h ^ UInt64(c.value)) &* 0x100_0000_01B3 }
        // Probe by (hash, collision index): equal hashes of different tokens get distinct keys.
        var k: UInt64 = 0
        while true {
            let found = table.count(h, k, 0)
            if found == 0 { break }
            let id = Int(found - 1)
            if lengths[id] == token.count && arena[starts[id]..<(starts[id] + lengths[id])].elementsEqual(token.lazy.map(\.value)) {
                return UInt32(id)
            }
            k += 1
        }
        let id = starts.count
        starts.append(arena.count)
        lengths.append(token.count)
        arena.append(contentsOf: token.lazy.map(\.value))
        table.add(h, k, 0, Int32(id + 1))
        return UInt32(id)
    }
}
