import ArgumentParser
import Foundation
import TextNLPInference

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate text from a prompt, streamed to standard output.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sampling: SamplingOptions

    @Option(help: "The prompt text.")
    var prompt: String

    @Flag(help: "Treat the prompt as a user message and render it through the model's chat template.")
    var chat = false

    @Flag(help: "Use the prompt exactly as given (the default; overrides --chat).")
    var raw = false

    @Option(help: "System message for --chat (default: the template's own, if any).")
    var system: String?

    @Option(help: "Stop after this many generated tokens.")
    var maxTokens: Int = 128

    @Option(help: "Stop when this text is generated (repeatable); it is not printed.")
    var stop: [String] = []

    @Flag(help: "Keep generating past end-of-generation tokens.")
    var ignoreEos = false

    @Flag(help: "Print one JSON object with the text, token ids, finish reason and timings.")
    var json = false

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
    }

    func run() async throws {
        let loaded = try modelOptions.load()
        let promptIDs: [Int32]
        do {
            if chat && !raw {
                var messages: [ChatMessage] = []
                if let system { messages.append(ChatMessage(role: "system", content: system)) }
                messages.append(ChatMessage(role: "user", content: prompt))
                promptIDs = try loaded.chatPrompt(messages)
            } else {
                promptIDs = loaded.tokenizer.encode(prompt, parseSpecial: true, addSpecial: true)
            }
        } catch {
            throw CLIError.failed("\(error)")
        }
        let seed = sampling.seed ?? UInt64.random(in: 0..<(1 << 53))
        let request = GenerationRequest(prompt: promptIDs, sampling: sampling.parameters(seed: seed), maxTokens: maxTokens,
                                        stop: stop, stopAtEndOfGeneration: !ignoreEos)
        let engine = GenerationEngine(model: loaded.model, tokenizer: loaded.tokenizer,
                                      configuration: .init(maxSequences: 1))
        var result: GenerationResult?
        do {
            for try await event in try await engine.submit(request) {
                switch event {
                case .text(let piece): if !json { Output.write(piece) }
                case .finished(let r): result = r
                }
            }
        } catch {
            throw CLIError.failed("\(error)")
        }
        guard let result else { throw CLIError.failed("generation ended without a result") }
        if json {
            Output.line(try Output.json(GenerationJSON.object(result, seed: seed, loadSeconds: loaded.loadSeconds)))
        } else {
            Output.write("\n")
        }
    }
}

/// The `--json` shape of a generation result.
enum GenerationJSON {
    static func object(_ r: GenerationResult, seed: UInt64, loadSeconds: Double) -> [String: Any] {
        let t = r.timings
        return [
            "text": r.text,
            "prompt_ids": r.promptTokens.map(Int.init),
            "ids": r.tokens.map(Int.init),
            "logprobs": r.logprobs,
            "finish_reason": r.finishReason.rawValue,
            "prompt_tokens": r.promptTokens.count,
            "completion_tokens": r.tokens.count,
            "seed": seed,
            "timings": [
                "load_s": loadSeconds,
                "prefill_s": t.prefillSeconds,
                "decode_s": t.decodeSeconds,
                "prefill_tokens_per_s": t.prefillTokensPerSecond,
                "decode_tokens_per_s": t.decodeTokensPerSecond,
            ],
        ]
    }
}
