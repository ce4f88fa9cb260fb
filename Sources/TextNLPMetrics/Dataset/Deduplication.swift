/// Exact and near duplicates in a set of texts.
///
/// Near duplicates use MinHash over word shingles with banded locality-sensitive hashing:
/// texts are lowercased and split on white space; shingles are `shingleSize` consecutive words
/// (the whole text when shorter); `permutations` hash functions in `bands` bands; candidate pairs that
/// share a band are confirmed when their estimated Jaccard similarity reaches `threshold`.
/// A text counts as a near duplicate when an earlier text is one of its confirmed pairs, so the rate
/// is the share of texts that deduplication would drop.
public struct Deduplication: Sendable {
    public var shingleSize = 5
    public var permutations = 128
    public var bands = 16
    public var threshold = 0.8
    public var seed: UInt64 = 0x5EED

    public init() {}

    public struct Report: Sendable, Equatable {
        public var count: Int
        public var exactDuplicates: Int
        public var nearDuplicates: Int
        public var exactRate: Double { count == 0 ? 0 : Double(exactDuplicates) / Double(count) }
        public var nearRate: Double { count == 0 ? 0 : Double(nearDuplicates) / Double(count) }
    }

    public func report(_ texts: [String]) -> Report {
        var seen = Set<[UInt8]>()
        var exact = 0
        for t in texts where !seen.insert(Array(t.utf8)).inserted { exact += 1 }
        let signatures = texts.map(signature)
        let rows = permutations / bands
        var buckets: [Int: [Int: [Int]]] = [:]
        var duplicate = [Bool](repeating: false, count: texts.count)
        for (i, sig) in signatures.enumerated() {
            var candidates = Set<Int>()
            for b in 0..<bands {
                var h: UInt64 = 0xCBF2_9CE4_8422_2325
                for r in 0..<rows { h = (h ^ sig[b * rows + r]) &* 0x100_0000_01B3 }
                let key = Int(truncatingIfNeeded: h)
                candidates.formUnion(buckets[b]?[key] ?? [])
                buckets[b, default: [:]][key, default: []].append(i)
            }
            for j in candidates {
                let same = zip(sig, signatures[j]).filter { $0 == $1 }.count
                if Double(same) / Double(permutations) >= threshold { duplicate[i] = true; break }
            }
        }
        return Report(count: texts.count, exactDuplicates: exact, nearDuplicates: duplicate.filter { $0 }.count)
    }

    /// The MinHash signature of a text.
    func signature(_ text: String) -> [UInt64] {
        let words = PythonText.split(PythonText.lower(Array(text.unicodeScalars))[...]).map { w in
            w.reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1.value)) &* 0x100_0000_01B3 }
        }
        var shingles: [UInt64] = []
        if words.count <= shingleSize {
            shingles = [words.reduce(0x84222325) { ($0 ^ $1) &* 0x100_0000_01B3 }]
        } else {
            for i in 0...(words.count - shingleSize) {
                shingles.append(words[i..<(i + shingleSize)].reduce(0x84222325) { ($0 ^ $1) &* 0x100_0000_01B3 })
            }
        }
        return (0..<permutations).map { p in
            let salt = Self.mix(seed &+ UInt64(p))
            return shingles.map { Self.mix($0 ^ salt) }.min() ?? UInt64.max
        }
    }

    /// SplitMix64's finaliser: a bijective 64-bit mix.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
