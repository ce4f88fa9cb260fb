import TextNLPInference

/// Sends every row (and each of its `n` samples) to the engine at once, so the engine batches them with
/// whatever else is running. Each sample's seed derives from the batch seed, the row id and the sample
/// index, and the engine is batch-invariant, so a retried shard writes the same text.
public struct GenerateStage: Sendable {
    public let spec: GenerateSpec
    let index: Int
    let batchSeed: UInt64
    let engine: GenerationEngine
    let model: LoadedModel

    public init(_ spec: GenerateSpec, index: Int, batchSeed: UInt64, engine: GenerationEngine, model: LoadedModel) {
        self.spec = spec
        self.index = index
        self.batchSeed = batchSeed
        self.engine = engine
        self.model = model
    }

    public struct Usage: Sendable, Equatable {
        public var promptTokens = 0
        public var completionTokens = 0
        public var requests = 0

        public init(promptTokens: Int = 0, completionTokens: Int = 0, requests: Int = 0) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.requests = requests
        }
    }

    private struct Outcome: Sendable {
        var slot: Int
        var result: Result<Row, RowError>
        var usage: Usage
    }

    /// The rows with completions, in input order (samples of a row in sample order), and token counts.
    public func apply(_ rows: [Row], onCompletion: @escaping @Sendable (Usage) -> Void = { _ in }) async throws -> (results: [Result<Row, RowError>], usage: Usage) {
        let jobs = rows.flatMap { row in (0..<spec.n).map { (row, $0) } }
        var slots = [Result<Row, RowError>?](repeating: nil, count: jobs.count)
        var usage = Usage()
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            for (slot, job) in jobs.enumerated() {
                group.addTask {
                    let outcome = try await self.generate(job.0, sample: job.1, slot: slot)
                    onCompletion(outcome.usage)
                    return outcome
                }
            }
            for try await outcome in group {
                slots[outcome.slot] = outcome.result
                usage.promptTokens += outcome.usage.promptTokens
                usage.completionTokens += outcome.usage.completionTokens
                usage.requests += outcome.usage.requests
            }
        }
        return (slots.compactMap { $0 }, usage)
    }

    public func seed(rowID: String, sample: Int) -> UInt64 {
        DerivedSeed.make("generate", String(batchSeed), String(index), rowID, String(sample))
    }

    private func generate(_ row: Row, sample: Int, slot: Int) async throws -> Outcome {
        var out = row
        if spec.n > 1 {
            out.id = "\(row.id)/\(sample)"
            out.fields["sample"] = .int(Int64(sample))
        }
        func failure(_ reason: String) -> Outcome {
            Outcome(slot: slot, result: .failure(RowError(id: out.id, stage: "generate", reason: reason, row: row.fields)), usage: Usage())
        }
        let prompt: [Int32]
        switch row.value(spec.input) {
        case .string(let text)?:
            prompt = model.tokenizer.encode(text, parseSpecial: false, addSpecial: true)
        case .array(let items)?:
            var messages: [ChatMessage] = []
            for item in items {
                guard case .string(let role)? = item.objectValue?["role"], case .string(let content)? = item.objectValue?["content"] else {
                    return failure("field \"\(spec.input)\" must be a string or a list of {role, content} messages")
                }
                messages.append(ChatMessage(role: role, content: content))
            }
            do { prompt = try model.chatPrompt(messages) } catch { return failure("chat template: \(error)") }
        case let other?:
            return failure("field \"\(spec.input)\" must be a string or messages, not \(other.typeName)")
        case nil:
            return failure("field \"\(spec.input)\" is missing")
        }
        var sampling = SamplingParameters()
        sampling.temperature = Float(spec.temperature)
        sampling.topK = spec.topK
        sampling.topP = Float(spec.topP)
        sampling.minP = Float(spec.minP)
        sampling.repeatPenalty = Float(spec.repeatPenalty)
        sampling.frequencyPenalty = Float(spec.frequencyPenalty)
        sampling.presencePenalty = Float(spec.presencePenalty)
        sampling.penaltyLastN = spec.penaltyLastN
        sampling.seed = seed(rowID: row.id, sample: sample)
        let request = GenerationRequest(prompt: prompt, sampling: sampling, maxTokens: spec.maxTokens, stop: spec.stop)
        let result: GenerationResult
        do {
            result = try await engine.generate(request)
        } catch let error as GenerationError {
            return failure("\(error)")
        }
        out.fields[spec.field] = .string(result.text)
        out.fields["\(spec.field)_prompt_tokens"] = .int(Int64(result.promptTokens.count))
        out.fields["\(spec.field)_completion_tokens"] = .int(Int64(result.tokens.count))
        out.fields["\(spec.field)_finish_reason"] = .string(result.finishReason.rawValue)
        let usage = Usage(promptTokens: result.promptTokens.count, completionTokens: result.tokens.count, requests: 1)
        return Outcome(slot: slot, result: .success(out), usage: usage)
    }
}
