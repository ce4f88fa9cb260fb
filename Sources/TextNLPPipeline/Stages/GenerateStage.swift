import TextNLPInference

/// Sends every row (and each of its `n` samples) to the generator at once, so the engine batches them with
/// whatever else is running. Each sample's seed derives from the batch seed, the row id and the sample
/// index, and the engine is batch-invariant, so a retried shard writes the same text.
public struct GenerateStage: RowStage {
    public let spec: GenerateSpec
    let index: Int
    let batchSeed: UInt64
    let generator: @Sendable () async throws -> any TextGenerator
    /// Called after each completion with its usage and the fraction of a row it is (1/n).
    let onCompletion: @Sendable (TokenUsage, Double) -> Void

    public init(_ spec: GenerateSpec, index: Int, batchSeed: UInt64, generator: @escaping @Sendable () async throws -> any TextGenerator,
                onCompletion: @escaping @Sendable (TokenUsage, Double) -> Void = { _, _ in }) {
        self.spec = spec
        self.index = index
        self.batchSeed = batchSeed
        self.generator = generator
        self.onCompletion = onCompletion
    }

    private struct Outcome: Sendable {
        var slot: Int
        var result: Result<Row, RowError>
        var usage: TokenUsage
    }

    /// The rows with completions, in input order (samples of a row in sample order), and token counts.
    public func process(_ rows: [Row]) async throws -> StageOutput {
        guard !rows.isEmpty else { return StageOutput(rows: []) }
        let generator = try await self.generator()
        // A row's own `n` (its parameters) counts; a row whose parameters do not read fails once, in `generate`.
        let jobs = rows.flatMap { row in (0..<samples(row)).map { (row, $0, samples(row)) } }
        var slots = [Result<Row, RowError>?](repeating: nil, count: jobs.count)
        var stats = StageStats()
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            for (slot, job) in jobs.enumerated() {
                group.addTask {
                    let outcome = try await self.generate(job.0, sample: job.1, slot: slot, generator: generator)
                    self.onCompletion(outcome.usage, 1 / Double(job.2))
                    return outcome
                }
            }
            for try await outcome in group {
                slots[outcome.slot] = outcome.result
                stats.usage = stats.usage + outcome.usage
            }
        }
        var output = StageOutput(rows: [])
        for result in slots.compactMap({ $0 }) {
            switch result {
            case .success(let row):
                output.rows.append(row)
                if case .int(let n)? = row.fields["\(spec.field)_completion_tokens"] { stats.completionLengths.append(Int(n)) }
            case .failure(let error):
                output.errors.append(error)
            }
        }
        stats.generatedRows = rows.count
        output.stats = stats
        return output
    }

    /// How many samples a row asks for.
    func samples(_ row: Row) -> Int {
        guard let field = spec.parameters else { return spec.n }
        if case .success(let p) = RowParameters.read(row.value(field), field: field, defaults: spec) { return p.n }
        return 1
    }

    public func seed(rowID: String, sample: Int) -> UInt64 {
        DerivedSeed.make("generate", String(batchSeed), String(index), rowID, String(sample))
    }

    /// The prompt a row asks for: a string, or a list of `{role, content}` messages.
    func prompt(_ row: Row) -> Result<Prompt, RowProblem> {
        switch row.value(spec.input) {
        case .string(let text)?:
            return .success(.text(text))
        case .array(let items)?:
            var messages: [ChatMessage] = []
            for item in items {
                guard case .string(let role)? = item.objectValue?["role"], case .string(let content)? = item.objectValue?["content"] else {
                    return .failure(RowProblem("field \"\(spec.input)\" must be a string or a list of {role, content} messages"))
                }
                messages.append(ChatMessage(role: role, content: content))
            }
            return .success(.messages(messages))
        case let other?:
            return .failure(RowProblem("field \"\(spec.input)\" must be a string or messages, not \(other.typeName)"))
        case nil:
            return .failure(RowProblem("field \"\(spec.input)\" is missing"))
        }
    }

    private func generate(_ row: Row, sample: Int, slot: Int, generator: any TextGenerator) async throws -> Outcome {
        var out = row
        if samples(row) > 1 {
            out.id = "\(row.id)/\(sample)"
            out.fields["sample"] = .int(Int64(sample))
        }
        func failure(_ reason: String) -> Outcome {
            Outcome(slot: slot, result: .failure(RowError(id: out.id, stage: "generate", reason: reason, row: row.fields)), usage: TokenUsage())
        }
        let prompt: Prompt
        switch self.prompt(row) {
        case .success(let p): prompt = p
        case .failure(let problem): return failure(problem.reason)
        }
        let parameters: RowParameters
        switch RowParameters.read(spec.parameters.flatMap { row.value($0) }, field: spec.parameters ?? "", defaults: spec) {
        case .success(let p): parameters = p
        case .failure(let problem): return failure(problem.reason)
        }
        var sampling = parameters.sampling
        // A row's own seed is its request's: sample k of it takes seed + k, as `textnlp generate` numbers lines.
        sampling.seed = parameters.seed.map { $0 &+ UInt64(sample) } ?? seed(rowID: row.id, sample: sample)
        let completion: Completion
        do {
            completion = try await generator.complete(prompt, options: CompletionOptions(sampling: sampling, maxTokens: parameters.maxTokens,
                                                                                         stop: parameters.stop))
        } catch let error as GenerationError {
            return failure("\(error)")
        }
        out.fields[spec.field] = .string(completion.text)
        out.fields["\(spec.field)_prompt_tokens"] = .int(Int64(completion.promptTokens))
        out.fields["\(spec.field)_completion_tokens"] = .int(Int64(completion.completionTokens))
        out.fields["\(spec.field)_finish_reason"] = .string(completion.finishReason.rawValue)
        // Which stop string ended the text, for rows that carry their own request (the API's batches: Anthropic's
        // results name it). A pipeline's own rows keep the fields they always had.
        if let stop = completion.stopSequence, spec.parameters != nil {
            out.fields["\(spec.field)_stop_sequence"] = .string(stop)
        }
        if parameters.logprobs {
            out.fields["\(spec.field)_logprobs"] = .array(completion.tokens.map { t in
                .object(JSONObject([("token", .string(String(decoding: t.bytes, as: UTF8.self))), ("logprob", .double(t.logprob)),
                                    ("bytes", .array(t.bytes.map { .int(Int64($0)) }))]))
            })
        }
        let usage = TokenUsage(promptTokens: completion.promptTokens, completionTokens: completion.completionTokens, requests: 1)
        return Outcome(slot: slot, result: .success(out), usage: usage)
    }
}

/// Why a row cannot be sent to the generator.
struct RowProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
