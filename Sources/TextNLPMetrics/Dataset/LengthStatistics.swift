/// Length statistics of a set of texts, in characters (Unicode code points) and words (split on white space).
public struct LengthStatistics: Sendable, Equatable {
    public struct Summary: Sendable, Equatable {
        public var mean: Double
        public var p50: Double
        public var p95: Double
        public var max: Int
    }

    public var count: Int
    public var characters: Summary
    public var words: Summary

    public init(_ texts: [String]) {
        count = texts.count
        characters = Self.summary(texts.map { $0.unicodeScalars.count })
        words = Self.summary(texts.map { PythonText.split($0).count })
    }

    /// Percentiles by linear interpolation between closest ranks (numpy's default).
    static func summary(_ values: [Int]) -> Summary {
        guard !values.isEmpty else { return Summary(mean: 0, p50: 0, p95: 0, max: 0) }
        let sorted = values.sorted()
        func percentile(_ p: Double) -> Double {
            let rank = p / 100 * Double(sorted.count - 1)
            let lo = Int(rank.rounded(.down)), hi = Swift.min(lo + 1, sorted.count - 1)
            return Double(sorted[lo]) + (rank - Double(lo)) * Double(sorted[hi] - sorted[lo])
        }
        return Summary(mean: Double(values.reduce(0, +)) / Double(values.count), p50: percentile(50), p95: percentile(95),
                       max: sorted[sorted.count - 1])
    }
}
