/// A reusable open-addressing hash table from an n-gram key (up to 128 bits of packed ids or code
/// points, plus its order) to a count. Clearing is O(1) (a generation stamp), so one table serves
/// every segment without reallocating; hashing is a multiply-xor, cheaper than `Hasher`; storage is one
/// manually managed block, so the hot loops do no reference counting.
final class CountTable {
    private struct Slot {
        var lo: UInt64 = 0, hi: UInt64 = 0
        var count: Int32 = 0
        var stamp: UInt32 = 0
        var order: UInt8 = 0
    }

    private var slots: UnsafeMutablePointer<Slot>
    private var used: UnsafeMutablePointer<Int32>
    private var capacity: Int
    private var mask: Int
    private var stamp: UInt32 = 1
    /// Number of keys present.
    private(set) var count = 0

    init(capacity requested: Int = 256) {
        var n = 16
        while n < requested * 2 { n <<= 1 }
        capacity = n
        mask = n - 1
        slots = .allocate(capacity: n)
        slots.initialize(repeating: Slot(), count: n)
        used = .allocate(capacity: n)
    }

    deinit {
        slots.deallocate()
        used.deallocate()
    }

    var isEmpty: Bool { count == 0 }

    func clear() {
        stamp &+= 1
        if stamp == 0 {
            for i in 0..<capacity { slots[i].stamp = 0 }
            stamp = 1
        }
        count = 0
    }

    @inline(__always)
    private func slot(_ a: UInt64, _ b: UInt64, _ n: UInt8) -> Int {
        var h = a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ UInt64(n)) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 31
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i].stamp == stamp && !(slots[i].lo == a && slots[i].hi == b && slots[i].order == n) { i = (i + 1) & mask }
        return i
    }

    @inline(__always)
    func count(_ a: UInt64, _ b: UInt64, _ n: UInt8) -> Int32 {
        let i = slot(a, b, n)
        return slots[i].stamp == stamp ? slots[i].count : 0
    }

    /// Adds `value` to a key's count.
    @inline(__always)
    func add(_ a: UInt64, _ b: UInt64, _ n: UInt8, _ value: Int32 = 1) {
        let i = claim(a, b, n)
        slots[i].count += value
    }

    /// Raises a key's count to at least `value`.
    @inline(__always)
    func raise(_ a: UInt64, _ b: UInt64, _ n: UInt8, to value: Int32) {
        let i = claim(a, b, n)
        if slots[i].count < value { slots[i].count = value }
    }

    /// The slot of a key, created with count 0 if absent.
    @inline(__always)
    private func claim(_ a: UInt64, _ b: UInt64, _ n: UInt8) -> Int {
        if count * 2 >= capacity { grow() }
        let i = slot(a, b, n)
        if slots[i].stamp != stamp {
            slots[i] = Slot(lo: a, hi: b, count: 0, stamp: stamp, order: n)
            used[count] = Int32(i)
            count += 1
        }
        return i
    }

    /// The k-th key inserted, with its count.
    @inline(__always)
    func entry(_ k: Int) -> (UInt64, UInt64, UInt8, Int32) {
        let s = slots[Int(used[k])]
        return (s.lo, s.hi, s.order, s.count)
    }

    private func grow() {
        let entries = (0..<count).map(entry)
        slots.deallocate()
        used.deallocate()
        capacity *= 2
        mask = capacity - 1
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot(), count: capacity)
        used = .allocate(capacity: capacity)
        stamp = 1
        count = 0
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
        id(token.lazy.map(\.value))
    }

    /// The id of a token given as code units (ASCII bytes or scalar values).
    mutating func id<Unit: FixedWidthInteger & UnsignedInteger>(_ token: UnsafeBufferPointer<Unit>) -> UInt32 {
        id(token.lazy.map { UInt32(truncatingIfNeeded: $0) })
    }

    private mutating func id<C: Collection>(_ token: C) -> UInt32 where C.Element == UInt32 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for c in token { h = (h ^ UInt64(c)) &* 0x100_0000_01B3 }
        // Probe by (hash, collision index): equal hashes of different tokens get distinct keys.
        var k: UInt64 = 0
        while true {
            let found = table.count(h, k, 0)
            if found == 0 { break }
            let id = Int(found - 1)
            if lengths[id] == token.count && arena[starts[id]..<(starts[id] + lengths[id])].elementsEqual(token) {
                return UInt32(id)
            }
            k += 1
        }
        let id = starts.count
        starts.append(arena.count)
        lengths.append(token.count)
        arena.append(contentsOf: token)
        table.add(h, k, 0, Int32(id + 1))
        return UInt32(id)
    }
}
