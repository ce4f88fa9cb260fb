/// Diversity of a generated set: distinct-n and self-BLEU.
public enum Diversity {
    /// distinct-n: unique n-grams over all n-grams of the set, words split on white space
    /// (Li et al., 2016). 0 when the set has no n-gram of that order.
    public static func distinct(_ texts: [String], n: Int) -> Double {
        var table = TokenTable()
        var unique = Set<NGram>()
        var total = 0
        for t in texts {
            let ids = table.ids(PythonText.split(t))
            guard ids.count >= n else { continue }
            let v = ids.map { UInt32(bitPattern: $0) }
            for i in 0...(ids.count - n) {
                unique.insert(NGram(v[i..<(i + n)]))
                total += 1
            }
        }
        return total == 0 ? 0 : Double(unique.count) / Double(total)
    }

    /// Self-BLEU (Zhu et al., 2018): the mean sentence BLEU (sacrebleu's sentence settings) of each
    /// text of a seeded sample of at most `sample` texts against all other texts of the sample.
    /// Lower means more diverse.
    public static func selfBLEU(_ texts: [String], sample: Int = 200, seed: UInt64 = 0) -> Double {
        let chosen = Sampling.sample(texts.count, count: sample, seed: seed).map { texts[$0] }
        guard chosen.count >= 2 else { return 0 }
        let bleu = BLEU.sentence
        var sum = 0.0
        for (i, hyp) in chosen.enumerated() {
            var refs = chosen
            refs.remove(at: i)
            sum += bleu.sentenceScore(hypothesis: hyp, references: refs).score
        }
        return sum / Double(chosen.count)
    }
}

/// Seeded sampling without replacement (a partial Fisher–Yates shuffle with SplitMix64).
enum Sampling {
    static func sample(_ n: Int, count: Int, seed: UInt64) -> [Int] {
        var indices = Array(0..<n)
        guard count < n else { return indices }
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for i in 0..<count {
            let j = i + Int(next() % UInt64(n - i))
            indices.swapAt(i, j)
        }
        return Array(indices[..<count]).sorted()
    }
}
