import ArgumentParser
import Foundation
import TextNLPInference

struct Perplexity: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Perplexity of each line of a file, and of the whole file, under the model."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Argument(help: "A UTF-8 text file; each non-empty line is scored on its own.")
    var file: String

    @Flag(help: "Print JSON lines: one per line of the file, then one for the whole file.")
    var json = false

    func run() throws {
        let loaded = try modelOptions.load()
        let lines = try InputLines(path: file)
        let context = loaded.model.config.contextLength
        var totalNLL = 0.0, totalTokens = 0
        for (index, line) in lines.enumerated() where !line.isEmpty {
            let number = index + 1
            var tokens = loaded.tokenizer.encode(line, parseSpecial: false, addSpecial: true)
            // Without BOS the first token has no context to be predicted from; score from the second.
            if tokens.count < 2 {
                if let bos = loaded.tokenizer.vocabulary.bos, tokens.first != bos { tokens.insert(bos, at: 0) }
            }
            guard tokens.count >= 2 else { continue }
            guard tokens.count <= context else {
                throw CLIError.failed("\(file), line \(number): \(tokens.count) tokens exceed the context of \(context)")
            }
            let cache = loaded.model.makeCache()
            let logits = try loaded.model.forward([SequenceChunk(slot: 0, tokens: tokens, start: 0, logits: .all)], cache: cache)[0]
            let vocab = loaded.model.config.vocabSize
            var nll = 0.0
            for pos in 0..<(tokens.count - 1) {
                let row = Array(logits[(pos * vocab)..<((pos + 1) * vocab)])
                nll -= Sampler.logProbability(of: tokens[pos + 1], in: row)
            }
            let n = tokens.count - 1
            totalNLL += nll
            totalTokens += n
            let ppl = exp(nll / Double(n))
            if json {
                Output.line(try Output.json(["line": number, "tokens": n, "nll": nll, "perplexity": ppl]))
            } else {
                Output.line("line \(number): perplexity \(String(format: "%.4f", ppl)) over \(n) tokens")
            }
        }
        guard totalTokens > 0 else { throw CLIError.failed("\(file): no line has two or more tokens to score", exitCode: 2) }
        let ppl = exp(totalNLL / Double(totalTokens))
        if json {
            Output.line(try Output.json(["file": file, "tokens": totalTokens, "nll": totalNLL, "perplexity": ppl]))
        } else {
            Output.line("\(file): perplexity \(String(format: "%.4f", ppl)) over \(totalTokens) tokens")
        }
    }
}
