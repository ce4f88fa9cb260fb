import Foundation
import Testing
@testable import TextNLPMetrics

struct DatasetMetricsTests {
    @Test func distinctCountsUniqueNGramsOverAll() {
        let texts = ["a b a b", "a b c"]
        // unigrams: a b a b a b c → 3 unique of 7; bigrams: ab ba ab ab bc → 3 unique of 5
        #expect(Diversity.distinct(texts, n: 1) == 3.0 / 7.0)
        #expect(Diversity.distinct(texts, n: 2) == 3.0 / 5.0)
        #expect(Diversity.distinct(["one"], n: 2) == 0)
    }

    @Test func selfBLEUIsHighForCopiesAndLowForDifferentTexts() {
        let copies = Array(repeating: "the cat sat on the mat today", count: 5)
        #expect(abs(Diversity.selfBLEU(copies) - 100) < 1e-9)
        let different = ["alpha beta gamma delta", "one two three four", "red green blue yellow"]
        #expect(Diversity.selfBLEU(different) < 5)
        #expect(Diversity.selfBLEU(["only one"]) == 0)
    }

    @Test func selfBLEUSamplesWithASeed() {
        let texts = (0..<500).map { "sentence number \($0) with some shared words" }
        #expect(Diversity.selfBLEU(texts, sample: 50, seed: 1) == Diversity.selfBLEU(texts, sample: 50, seed: 1))
        #expect(Sampling.sample(500, count: 50, seed: 1).count == 50)
        #expect(Set(Sampling.sample(500, count: 50, seed: 1)).count == 50)
    }

    @Test func lengthStatisticsInterpolatePercentilesLikeNumpy() {
        let s = LengthStatistics(["a", "bb bb", "ccc ccc ccc", "dddd"])
        // characters 1, 5, 11, 4 → sorted 1 4 5 11; numpy.percentile(.., 50) = 4.5, (.., 95) = 10.1
        #expect(s.characters.mean == 5.25 && s.characters.p50 == 4.5 && abs(s.characters.p95 - 10.1) < 1e-12 && s.characters.max == 11)
        #expect(s.words.max == 3 && s.words.p50 == 1.5)
        #expect(LengthStatistics([]).count == 0)
    }

    @Test func deduplicationFindsExactAndNearCopies() {
        // 80 distinct words: one changed word alters 5 of 76 shingles (Jaccard about 0.88).
        let base = (0..<80).map { "w\($0)" }.joined(separator: " ").replacingOccurrences(of: "w40", with: "farmer")
        let near = base.replacingOccurrences(of: "farmer", with: "farmers")
        let texts = [base, "Completely unrelated text about databases and queries and indexes", base, near,
                     "Another sentence that shares nothing with the others at all really"]
        let r = Deduplication().report(texts)
        #expect(r.exactDuplicates == 1)
        #expect(r.nearDuplicates == 2)  // the exact copy and the one-word edit
        #expect(Deduplication().report(["a b c", "d e f"]).nearDuplicates == 0)
    }
}
