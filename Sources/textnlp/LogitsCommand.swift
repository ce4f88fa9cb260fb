import ArgumentParser
import Foundation
import TextNLPInference

struct Logits: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a token sequence once and print the top next-token logits at every position (JSON lines)."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Token ids as a JSON array, e.g. [1,2,3].")
    var ids: String?

    @Option(help: "Text to tokenize (special tokens parsed, BOS added when the model asks for it).")
    var text: String?

    @Option(help: "How many of the highest logits to print per position.")
    var top: Int = 5

    func validate() throws {
        guard (ids == nil) != (text == nil) else { throw ValidationError("give exactly one of --ids and --text") }
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        let loaded = try modelOptions.load()
        var tokens: [Int32]
        if let ids {
            guard let array = try? JSONSerialization.jsonObject(with: Data(ids.utf8)) as? [Any] else {
                throw CLIError.failed("--ids: expected a JSON array of integers", exitCode: 2)
            }
            tokens = []
            for (i, v) in array.enumerated() {
                guard let n = v as? Int, let t = Int32(exactly: n) else {
                    throw CLIError.failed("--ids[\(i)]: expected an integer token id", exitCode: 2)
                }
                tokens.append(t)
            }
        } else {
            tokens = loaded.tokenizer.encode(text ?? "", parseSpecial: true, addSpecial: true)
        }
        guard !tokens.isEmpty else { throw CLIError.failed("nothing to evaluate: no tokens", exitCode: 2) }
        let cache = loaded.model.makeCache()
        let rows: [Float]
        do {
            rows = try loaded.model.forward([SequenceChunk(slot: 0, tokens: tokens, start: 0, logits: .all)], cache: cache)[0]
        } catch {
            throw error
        }
        let vocab = loaded.model.config.vocabSize
        for pos in 0..<tokens.count {
            let row = Array(rows[(pos * vocab)..<((pos + 1) * vocab)])
            let best = TopLogits.indices(row, count: min(top, vocab))
            Output.line(try Output.json(["pos": pos, "top": best.map(Int.init), "logits": best.map { Double(row[Int($0)]) }]))
        }
    }
}

enum TopLogits {
    /// Indices of the `count` largest values, largest first (ties by index).
    static func indices(_ row: [Float], count: Int) -> [Int32] {
        var best: [Int32] = []
        for i in 0..<row.count {
            let v = row[i]
            if best.count == count, let last = best.last, v <= row[Int(last)] { continue }
            var at = best.count
            while at > 0 && row[Int(best[at - 1])] < v { at -= 1 }
            best.insert(Int32(i), at: at)
            if best.count > count { best.removeLast() }
        }
        return best
    }
}
