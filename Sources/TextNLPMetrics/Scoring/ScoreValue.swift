/// A score as a tree of plain values (numbers, strings, lists, objects in order): what `textnlp score`
/// prints as JSON and `POST /v1/validate` answers, made in one place.
public indirect enum ScoreValue: Sendable, Equatable {
    case number(Double)
    case int(Int)
    case string(String)
    case bool(Bool)
    case list([ScoreValue])
    case object([(String, ScoreValue)])

    public static func == (a: ScoreValue, b: ScoreValue) -> Bool {
        switch (a, b) {
        case let (.number(x), .number(y)): x == y
        case let (.int(x), .int(y)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.bool(x), .bool(y)): x == y
        case let (.list(x), .list(y)): x == y
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    static func numbers(_ xs: [Double]) -> ScoreValue { .list(xs.map { .number($0) }) }
    static func ints(_ xs: [Int]) -> ScoreValue { .list(xs.map { .int($0) }) }
}

/// The score of one metric over a set of segments: the corpus figures and, when asked, one entry per segment,
/// each with the line `textnlp score` prints for it.
public struct MetricScore: Sendable {
    public var corpus: [(String, ScoreValue)]
    public var text: String
    public var segments: [(fields: [(String, ScoreValue)], text: String)] = []
}
