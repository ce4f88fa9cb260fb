/// Byte-level BPE merging within one pre-tokenized word, by merge rank
/// (lowest rank first; on a tie, the leftmost pair), as llama.cpp's `llm_tokenizer_bpe_session` does.
struct BPEMerges: Sendable {
    /// (left id, right id) packed into 64 bits → (rank, merged id).
    private let table: [UInt64: (rank: Int32, merged: Int32)]
    /// The token of each single byte (its byte-encoded character), or -1.
    let byteToken: [Int32]

    init(merges: [String], vocabulary: Vocabulary) {
        var table: [UInt64: (rank: Int32, merged: Int32)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            // "left right"; the separating space is searched from the second character, like llama.cpp.
            let chars = Array(merge)
            guard chars.count >= 3, let space = chars.dropFirst().firstIndex(of: " ") else { continue }
            let left = String(chars[..<space]), right = String(chars[(space + 1)...])
            guard let l = vocabulary.idByText[left], let r = vocabulary.idByText[right],
                  let m = vocabulary.idByText[left + right] else { continue }
            let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
            if table[key] == nil { table[key] = (Int32(rank), m) }
        }
        self.table = table
        byteToken = (0..<256).map { vocabulary.idByText[String(ByteEncoding.encode[$0])] ?? -1 }
    }

    @inline(__always)
    private func lookup(_ l: Int32, _ r: Int32) -> (rank: Int32, merged: Int32)? {
        table[UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))]
    }

    /// Token ids of one word given as UTF-8 bytes.
    func encode(_ word: ArraySlice<UInt8>, into out: inout [Int32]) {
        var ids = word.map { byteToken[Int($0)] }
        if ids.count == 1 {
            if ids[0] >= 0 { out.append(ids[0]) }
            return
        }
        // Linked list of live symbols, and a heap of candidate pairs keyed by (rank, left position).
        var next = Array(1...ids.count)
        var prev = Array(-1..<(ids.count - 1))
        var heap = PairHeap()
        func push(_ l: Int) {
            let r = next[l]
            guard l >= 0, r < ids.count, ids[l] >= 0, ids[r] >= 0, let m = lookup(ids[l], ids[r]) else { return }
            heap.push(.init(rank: m.rank, left: Int32(l), right: Int32(r), leftId: ids[l], rightId: ids[r]))
        }
        for i in 0..<(ids.count - 1) { push(i) }
        var alive = [Bool](repeating: true, count: ids.count)
        while let p = heap.pop() {
            let l = Int(p.left), r = Int(p.right)
            // Skip pairs that are stale: a side was merged away or changed since the pair was queued.
            guard alive[l], alive[r], next[l] == r, ids[l] == p.leftId, ids[r] == p.rightId,
                  let m = lookup(ids[l], ids[r]) else { continue }
            ids[l] = m.merged
            alive[r] = false
            next[l] = next[r]
            if next[r] < ids.count { prev[next[r]] = l }
            if prev[l] >= 0 { push(prev[l]) }
            push(l)
        }
        var i = 0
        while i < ids.count {
            if alive[i] && ids[i] >= 0 { out.append(ids[i]) }
            i = alive[i] ? next[i] : i + 1
        }
    }
}

/// A binary min-heap of merge candidates ordered by (rank, left position).
struct PairHeap {
    struct Pair {
        let rank: Int32, left: Int32, right: Int32, leftId: Int32, rightId: Int32
        func precedes(_ o: Pair) -> Bool { rank != o.rank ? rank < o.rank : left < o.left }
    }
    private var items: [Pair] = []

    mutating func push(_ p: Pair) {
        items.append(p)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].precedes(items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Pair? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < items.count && items[l].precedes(items[best]) { best = l }
                if r < items.count && items[r].precedes(items[best]) { best = r }
                if best == i { break }
                items.swapAt(i, best)
                i = best
            }
        }
        return top
    }
}
