import ArgumentParser
import Foundation
import TextNLPInference

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure prompt-processing and generation speed per batch size, like llama-batched-bench."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Prompt tokens per sequence.")
    var pp: Int = 128
    @Option(help: "Generated tokens per sequence.")
    var tg: Int = 128
    @Option(help: "Batch sizes, comma-separated.")
    var batch: String = "1,8,32,64"
    @Option(help: "Prompt tokens processed per forward pass at most (the prefill chunk budget).")
    var maxBatchTokens: Int = 512
    @Option(help: "Context window of each sequence (default: --pp + --tg). The KV cache grows with what a sequence holds, not with its window.")
    var context: Int?
    @Flag(help: "Print one JSON object per batch size and line.")
    var json = false

    func batchSizes() throws -> [Int] {
        let sizes = batch.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--batch must list positive integers, e.g. 1,8,32")
        }
        return sizes.compactMap { $0 }
    }

    func validate() throws {
        _ = try batchSizes()
        guard pp >= 1, tg >= 1, maxBatchTokens >= 1 else { throw ValidationError("--pp, --tg and --max-batch-tokens must be at least 1") }
    }

    func run() throws {
        let loaded = try modelOptions.load()
        let model = loaded.model
        let window = context ?? pp + tg
        guard pp + tg <= window, window <= model.config.contextLength else {
            throw CLIError.failed("--pp + --tg = \(pp + tg) must fit in --context \(window), at most the model's \(model.config.contextLength)", exitCode: 2)
        }
        if !json {
            Output.line(String(format: "model %@, load %.2f s, pp %d, tg %d, context %d, activations %@", loaded.file.path, loaded.loadSeconds,
                               pp, tg, window, ActivationPrecision.automatic.rawValue))
            Output.line("|    B |   PP |   TG |   T_PP s |  S_PP t/s |   T_TG s |  S_TG t/s |")
        }
        // Warm-up, as llama-batched-bench does: thread pool, first-touch pages, caches.
        _ = try model.forward([SequenceChunk(slot: 0, tokens: [Int32](repeating: 1, count: 32), start: 0)], cache: model.makeCache(maxPositions: 64))
        for b in try batchSizes() {
            let r = try measure(model, batch: b, context: window)
            if json {
                Output.line(try Output.json(["batch": b, "pp": pp, "tg": tg, "t_pp": r.tPP, "s_pp": Double(b * pp) / r.tPP,
                                             "t_tg": r.tTG, "s_tg": Double(b * tg) / r.tTG, "load_s": loaded.loadSeconds,
                                             "peak_rss_mb": Self.peakRSSMegabytes(), "context": window,
                                             "activations": ActivationPrecision.automatic.rawValue]))
            } else {
                Output.line(String(format: "| %4d | %4d | %4d | %8.3f | %9.2f | %8.3f | %9.2f |", b, pp, tg, r.tPP,
                                   Double(b * pp) / r.tPP, r.tTG, Double(b * tg) / r.tTG))
            }
        }
        if !json { Output.line(String(format: "peak resident memory %.0f MB", Self.peakRSSMegabytes())) }
    }

    /// Prefills `batch` prompts of `pp` random tokens (chunked within the budget), then decodes `tg`
    /// steps of one token per sequence; greedy, end-of-generation ignored.
    func measure(_ model: any LanguageModel, batch: Int, context: Int) throws -> (tPP: Double, tTG: Double) {
        var random = RandomSource(seed: 42)
        let vocab = UInt64(model.config.vocabSize)
        let prompts = (0..<batch).map { _ in (0..<pp).map { _ in Int32(truncatingIfNeeded: random.next() % vocab) } }
        let cache = model.makeCache(maxPositions: context)
        var last = [Int32](repeating: 0, count: batch)
        let start = Date()
        var done = [Int](repeating: 0, count: batch)
        var next = 0
        while next < batch {
            var budget = maxBatchTokens
            var chunks: [SequenceChunk] = []
            while next < batch && budget > 0 {
                let n = min(budget, pp - done[next])
                chunks.append(SequenceChunk(slot: next, tokens: Array(prompts[next][done[next]..<(done[next] + n)]), start: done[next],
                                            logits: done[next] + n == pp ? .last : .none))
                done[next] += n
                budget -= n
                if done[next] == pp { next += 1 }
            }
            let logits = try model.forward(chunks, cache: cache)
            for (chunk, row) in zip(chunks, logits) where !row.isEmpty { last[chunk.slot] = Int32(row.indices.max { row[$0] < row[$1] } ?? 0) }
        }
        let tPP = Date().timeIntervalSince(start)
        let decodeStart = Date()
        for step in 0..<tg {
            let chunks = (0..<batch).map { SequenceChunk(slot: $0, tokens: [last[$0]], start: pp + step, logits: .last) }
            let logits = try model.forward(chunks, cache: cache)
            for (i, row) in logits.enumerated() { last[i] = Int32(row.indices.max { row[$0] < row[$1] } ?? 0) }
        }
        return (tPP, Date().timeIntervalSince(decodeStart))
    }

    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    }
}
