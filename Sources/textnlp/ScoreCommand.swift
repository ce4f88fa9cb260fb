import ArgumentParser
import Foundation
import TextNLPMetrics

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score generated text: BLEU, chrF, chrF++, TER (as sacrebleu 2.6.0), ROUGE (as rouge-score 0.1.2), and dataset metrics.",
        discussion: "METRIC is one of: bleu, chrf, chrf++, ter, rouge, distinct, self-bleu, length, dedup."
    )

    @Argument(help: "The metric.")
    var metric: Scorer.Metric
    @Option(help: "Hypotheses, one segment a line.")
    var hyp: String?
    @Option(help: "References, one segment a line, paired with --hyp (repeat for several references).")
    var ref: [String] = []
    @Option(help: "A JSONL file whose objects carry the hypothesis and the reference(s).")
    var jsonl: String?
    @Option(help: "JSONL field of the hypothesis.")
    var hypField: String = "hypothesis"
    @Option(help: "JSONL field of the reference: a string or an array of strings.")
    var refField: String = "reference"
    @Option(help: "BLEU tokenizer: 13a, intl, char, none, zh.")
    var tokenize: String = "13a"
    @Option(help: "BLEU smoothing: exp, floor, add-k, none.")
    var smooth: String?
    @Option(help: "Value for floor or add-k smoothing.")
    var smoothValue: Double?
    @Flag(help: "Lowercase before scoring (BLEU, chrF).")
    var lowercase = false
    @Flag(help: "ROUGE: apply the Porter stemmer.")
    var stem = false
    @Flag(help: "Also score each segment (sentence-level).")
    var sentence = false
    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (hyp == nil) != (jsonl == nil) else { throw ValidationError("give either --hyp FILE (with --ref FILE) or --jsonl FILE") }
        if metric.needsReferences && hyp != nil && ref.isEmpty { throw ValidationError("\(metric.rawValue) needs --ref FILE") }
        guard BLEUTokenizer(rawValue: tokenize) != nil else { throw ValidationError("--tokenize must be one of 13a, intl, char, none, zh") }
        if let smooth, BLEU.Smoothing(rawValue: smooth) == nil { throw ValidationError("--smooth must be one of exp, floor, add-k, none") }
    }

    func run() throws {
        let inputs: ScoreInputs
        if let hyp {
            inputs = try .lineFiles(hyp: hyp, refs: ref)
        } else {
            inputs = try .jsonl(path: jsonl ?? "", hypField: hypField, refField: metric.needsReferences ? refField : nil)
        }
        var scorer = Scorer()
        scorer.tokenizer = BLEUTokenizer(rawValue: tokenize) ?? .thirteenA
        scorer.smoothing = smooth.flatMap(BLEU.Smoothing.init(rawValue:)) ?? .exp
        scorer.smoothValue = smoothValue
        scorer.lowercase = lowercase
        scorer.stem = stem
        scorer.sentence = sentence
        let score = scorer.score(metric, hypotheses: inputs.hypotheses, references: inputs.references)
        for segment in score.segments { Output.line(json ? try Output.json(Self.any(.object(segment.fields))) : segment.text) }
        Output.line(json ? try Output.json(Self.any(.object(score.corpus))) : score.text)
    }

    /// The score as Foundation's JSON values.
    static func any(_ value: ScoreValue) -> Any {
        switch value {
        case .number(let x): x
        case .int(let n): n
        case .string(let s): s
        case .bool(let b): b
        case .list(let items): items.map(any)
        case .object(let pairs): Dictionary(pairs.map { ($0.0, any($0.1)) }, uniquingKeysWith: { a, _ in a })
        }
    }
}


extension Scorer.Metric: ExpressibleByArgument {}
