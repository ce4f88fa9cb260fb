import ArgumentParser
import Foundation
import TextNLPInference

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate text from a prompt, streamed to standard output.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sampling: SamplingOptions

    @Option(help: "The prompt text.")
    var prompt: String?

    @Option(help: "A JSONL file of requests (prompt or messages, plus OpenAI-named sampling fields); results in input order.")
    var input: String?

    @Option(help: "Requests decoded together at most (with --input).")
    var maxSequences: Int = 16

    @Option(help: "Prompt tokens prefilled per step at most, across requests (with --input).")
    var maxBatchTokens: Int = 512

    @Option(help: "KV-cache memory cap in MiB (with --input): requests wait until theirs fits.")
    var kvCacheMib: Int?

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
        guard (prompt == nil) != (input == nil) else { throw ValidationError("give exactly one of --prompt and --input") }
        guard maxSequences >= 1 else { throw ValidationError("--max-sequences must be at least 1") }
        guard maxBatchTokens >= 1 else { throw ValidationError("--max-batch-tokens must be at least 1") }
        guard (kvCacheMib ?? 1) >= 1 else { throw ValidationError("--kv-cache-mib must be at least 1") }
    }

    func run() async throws {
        if let input { return try await runBatch(input) }
        let prompt = prompt ?? ""
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
            throw error
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
            throw error
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

extension Generate {
    /// `--input FILE.jsonl`: every request goes to one engine at once; results come out in input order.
    func runBatch(_ path: String) async throws {
        let lines = try InputLines(path: path).lines
        let baseSeed = sampling.seed ?? UInt64.random(in: 0..<(1 << 53))
        let defaults = sampling.parameters(seed: baseSeed)
        var parsed: [(line: Int, request: BatchRequestLine, sampling: SamplingParameters)] = []
        var problems: [String] = []
        for (i, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                let (r, p) = try BatchRequestLine.parse(line, defaults: defaults, index: parsed.count)
                parsed.append((i + 1, r, p))
            } catch {
                problems.append("\(path), line \(i + 1): \(error)")
            }
        }
        guard problems.isEmpty else {
            throw CLIError.failed(problems.prefix(20).joined(separator: "\n") + (problems.count > 20 ? "\n(\(problems.count) problems)" : ""), exitCode: 2)
        }
        let loaded = try modelOptions.load()
        var requests: [GenerationRequest] = []
        for item in parsed {
            let ids: [Int32]
            do {
                if let messages = item.request.messages {
                    ids = try loaded.chatPrompt(messages)
                } else {
                    ids = loaded.tokenizer.encode(item.request.prompt ?? "", parseSpecial: true, addSpecial: true)
                }
            } catch {
                throw CLIError.failed("\(path), line \(item.line): \(error)", exitCode: 2)
            }
            requests.append(GenerationRequest(prompt: ids, sampling: item.sampling, maxTokens: item.request.max_tokens ?? maxTokens,
                                              stop: item.request.stop?.list ?? stop, stopAtEndOfGeneration: !ignoreEos))
        }
        let engine = GenerationEngine(model: loaded.model, tokenizer: loaded.tokenizer, configuration: .init(maxSequences: maxSequences, maxBatchTokens: maxBatchTokens, kvCacheMiB: kvCacheMib))
        let results = await withTaskGroup(of: IndexedResult.self) { group in
            for (i, request) in requests.enumerated() {
                group.addTask {
                    do {
                        return IndexedResult(index: i, result: .success(try await engine.generate(request)))
                    } catch {
                        return IndexedResult(index: i, result: .failure(error))
                    }
                }
            }
            var collected: [IndexedResult] = []
            for await item in group { collected.append(item) }
            return collected.sorted { $0.index < $1.index }.map(\.result)
        }
        var failed: [String] = []
        for (item, result) in zip(parsed, results) {
            var object: [String: Any]
            switch result {
            case .success(let r):
                object = GenerationJSON.object(r, seed: item.sampling.seed, loadSeconds: loaded.loadSeconds)
            case .failure(let error):
                object = ["error": ["message": "\(error)", "line": item.line]]
                failed.append("\(path), line \(item.line): \(error)")
            }
            if let id = item.request.id ?? item.request.custom_id { object["id"] = id.json }
            Output.line(try Output.json(object))
        }
        // Every result is written, failures as error objects in their place; the exit code says some failed.
        if !failed.isEmpty {
            throw CLIError.failed("\(failed.count) of \(parsed.count) requests failed:\n" + failed.joined(separator: "\n"), exitCode: 1)
        }
    }
}

/// A request's position and outcome, as a batch's tasks report them.
struct IndexedResult: Sendable {
    let index: Int
    let result: Result<GenerationResult, Error>
}
