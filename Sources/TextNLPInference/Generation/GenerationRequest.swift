/// One generation: a tokenized prompt, how to sample and when to stop.
public struct GenerationRequest: Sendable {
    public var prompt: [Int32]
    public var sampling: SamplingParameters
    public var maxTokens: Int
    public var stop: [String]
    /// Stop at the model's end-of-generation tokens (on by default).
    public var stopAtEndOfGeneration: Bool
    /// Online requests are admitted before batch work, and may pause batch sequences to get a place.
    public var priority: GenerationPriority
    /// How many of the most likely tokens to list, with their log-probabilities, at each generated position.
    public var topLogprobs: Int

    public init(prompt: [Int32], sampling: SamplingParameters = .init(), maxTokens: Int = 128,
                stop: [String] = [], stopAtEndOfGeneration: Bool = true, priority: GenerationPriority = .batch, topLogprobs: Int = 0) {
        self.prompt = prompt
        self.sampling = sampling
        self.maxTokens = maxTokens
        self.stop = stop
        self.stopAtEndOfGeneration = stopAtEndOfGeneration
        self.priority = priority
        self.topLogprobs = topLogprobs
    }
}

/// Who waits for a request: a person or client on the line (online), or a batch.
public enum GenerationPriority: Sendable, Equatable {
    case online
    case batch
}

/// One of the most likely tokens at a position, with its log-probability.
public struct TokenAlternative: Sendable, Equatable {
    public var token: Int32
    public var logprob: Double
}

public enum FinishReason: String, Sendable, Codable {
    /// An end-of-generation token or a stop string.
    case stop
    /// The token limit or the end of the context.
    case length
}

public struct GenerationTimings: Sendable, Codable, Equatable {
    public var prefillSeconds: Double = 0
    public var decodeSeconds: Double = 0
    public var promptTokens = 0
    public var generatedTokens = 0

    public var prefillTokensPerSecond: Double { prefillSeconds > 0 ? Double(promptTokens) / prefillSeconds : 0 }
    /// Generated tokens after the first, over the time after the first.
    public var decodeTokensPerSecond: Double {
        decodeSeconds > 0 && generatedTokens > 1 ? Double(generatedTokens - 1) / decodeSeconds : 0
    }
}

public struct GenerationResult: Sendable {
    public var text: String
    public var promptTokens: [Int32]
    /// Generated token ids, including an end-of-generation token if one ended the text.
    public var tokens: [Int32]
    /// Log-probability of each generated token under the model (log-softmax of the raw logits).
    public var logprobs: [Double]
    /// The `topLogprobs` most likely tokens at each generated position, most likely first (empty unless asked).
    public var alternatives: [[TokenAlternative]] = []
    public var finishReason: FinishReason
    /// The stop string that ended the text, if one did.
    public var stopSequence: String?
    public var timings: GenerationTimings
}

/// What the engine streams for a request: pieces of text as they are final, then the result.
public enum GenerationEvent: Sendable {
    case text(String)
    case finished(GenerationResult)
}

public enum GenerationError: Error, Equatable, CustomStringConvertible {
    case emptyPrompt
    case promptTooLong(tokens: Int, context: Int)
    case invalidMaxTokens(Int)
    case invalidTopLogprobs(Int)
    case exceedsKVCache(neededMiB: Int, capMiB: Int)
    /// The conversation cannot be rendered by the model's chat template.
    case chatTemplate(String)

    public var description: String {
        switch self {
        case .emptyPrompt:
            return "the prompt is empty (no tokens); give some text"
        case let .promptTooLong(tokens, context):
            return "the prompt has \(tokens) tokens but the context holds \(context); shorten it (it is not truncated)"
        case let .invalidMaxTokens(n):
            return "max_tokens must be at least 1 (got \(n))"
        case let .invalidTopLogprobs(n):
            return "top_logprobs must be in 0...20 (got \(n))"
        case let .exceedsKVCache(needed, cap):
            return "the request can take \(needed) MiB of KV cache but the cap is \(cap) MiB; lower max_tokens or raise the cap"
        case let .chatTemplate(reason):
            return "chat template: \(reason)"
        }
    }
}
