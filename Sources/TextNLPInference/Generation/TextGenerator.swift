/// What a generate stage asks for: a plain prompt or a conversation.
public enum Prompt: Sendable, Equatable {
    case text(String)
    case messages([ChatMessage])
}

/// How one completion is made.
public struct CompletionOptions: Sendable, Equatable {
    public var sampling: SamplingParameters
    public var maxTokens: Int
    public var stop: [String]

    public init(sampling: SamplingParameters, maxTokens: Int, stop: [String] = []) {
        self.sampling = sampling
        self.maxTokens = maxTokens
        self.stop = stop
    }
}

/// One completion and what it cost.
public struct Completion: Sendable, Equatable {
    public var text: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var finishReason: FinishReason
    /// Each generated token's bytes and log-probability, when the generator knows them (the local engine does).
    public var tokens: [TokenLogprob]
    /// The stop string that ended the text, if one did.
    public var stopSequence: String?

    public init(text: String, promptTokens: Int, completionTokens: Int, finishReason: FinishReason, tokens: [TokenLogprob] = [],
                stopSequence: String? = nil) {
        self.text = text
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.finishReason = finishReason
        self.tokens = tokens
        self.stopSequence = stopSequence
    }
}

/// A generated token: its bytes (a piece of UTF-8, not always whole characters) and its log-probability
/// under the distribution it was sampled from.
public struct TokenLogprob: Sendable, Equatable {
    public var bytes: [UInt8]
    public var logprob: Double

    public init(bytes: [UInt8], logprob: Double) {
        self.bytes = bytes
        self.logprob = logprob
    }
}

/// The one protocol a generate stage calls: the local engine, or (later) a remote server.
///
/// A `GenerationError` concerns the request alone (a prompt too long for the context, a conversation the
/// chat template cannot render): the row fails and the others go on. Any other error concerns the
/// generator itself, and cancellation ends the request.
public protocol TextGenerator: Sendable {
    func complete(_ prompt: Prompt, options: CompletionOptions) async throws -> Completion
}

/// The local engine behind `TextGenerator`: prompts are tokenized (conversations rendered through the
/// model's chat template) and submitted to one shared `GenerationEngine`, which batches them.
public struct LocalGenerator: TextGenerator {
    public let model: LoadedModel
    public let engine: GenerationEngine

    public init(model: LoadedModel, engine: GenerationEngine) {
        self.model = model
        self.engine = engine
    }

    public init(model: LoadedModel, configuration: EngineConfiguration) {
        self.init(model: model, engine: GenerationEngine(model: model.model, tokenizer: model.tokenizer, configuration: configuration))
    }

    public func complete(_ prompt: Prompt, options: CompletionOptions) async throws -> Completion {
        let tokens: [Int32]
        switch prompt {
        case .text(let text):
            tokens = model.tokenizer.encode(text, parseSpecial: false, addSpecial: true)
        case .messages(let messages):
            do { tokens = try model.chatPrompt(messages) } catch { throw GenerationError.chatTemplate("\(error)") }
        }
        let request = GenerationRequest(prompt: tokens, sampling: options.sampling, maxTokens: options.maxTokens, stop: options.stop)
        let result = try await engine.generate(request)
        let generated = zip(result.tokens, result.logprobs).map { TokenLogprob(bytes: model.tokenizer.piece($0), logprob: $1) }
        return Completion(text: result.text, promptTokens: result.promptTokens.count, completionTokens: result.tokens.count,
                          finishReason: result.finishReason, tokens: generated, stopSequence: result.stopSequence)
    }
}
