import Foundation

/// The state of one request inside the engine: its KV-cache slot, sampler, detokenizer and stop matcher.
final class ActiveSequence {
    let id: Int
    let request: GenerationRequest
    let continuation: AsyncThrowingStream<GenerationEvent, Error>.Continuation
    var sampler: Sampler
    var decoder = StreamingDecoder()
    var stopper: StopMatcher
    var generated: [Int32] = []
    var logprobs: [Double] = []
    var alternatives: [[TokenAlternative]] = []
    var text = ""
    /// What is prefilled into the cache before decoding goes on: the prompt, or, for a sequence paused to
    /// make room and resumed, the prompt and every generated token but the last (which the next step feeds).
    var context: [Int32]
    /// Tokens of `context` already in the cache.
    var prefilled = 0
    var admittedAt = 0.0
    var firstTokenAt: Double?

    init(id: Int, request: GenerationRequest, continuation: AsyncThrowingStream<GenerationEvent, Error>.Continuation) {
        self.id = id
        self.request = request
        self.continuation = continuation
        sampler = Sampler(request.sampling, history: request.prompt)
        stopper = StopMatcher(request.stop)
        context = request.prompt
    }

    var isPrefilling: Bool { prefilled < context.count }
    /// Positions this sequence holds in the KV cache.
    var cachedTokens: Int { isPrefilling ? prefilled : context.count + 1 }
    /// Whether the end of the prefill gives the logits of the first token (not so when resuming).
    var samplesAfterPrefill: Bool { generated.isEmpty }

    /// Forgets the cache (the engine freed its slot): the next admission prefills what it had again. The
    /// arithmetic of a chunk is that of single tokens, so the resumed sequence goes on exactly as it would have.
    func pause() {
        context = request.prompt + generated.dropLast()
        prefilled = 0
    }
    /// Position of the next token fed to the model.
    var position: Int { isPrefilling ? prefilled : request.prompt.count + generated.count - 1 }

    /// Takes one sampled token; returns the finish reason if the sequence is done.
    func accept(_ token: Int32, logits: [Float], tokenizer: Tokenizer, contextLimit: Int, now: Double) -> FinishReason? {
        if firstTokenAt == nil { firstTokenAt = now }
        generated.append(token)
        if let (m, logZ) = Sampler.normalizer(logits) {
            logprobs.append(Double(logits[Int(token)] - m) - logZ)
            if request.topLogprobs > 0 { alternatives.append(Sampler.mostLikely(request.topLogprobs, in: logits, max: m, logZ: logZ)) }
        }
        sampler.remember(token)
        if request.stopAtEndOfGeneration && tokenizer.vocabulary.endOfGeneration.contains(token) {
            emit(stopper.push(decoder.flush()).release)
            return .stop
        }
        let (release, stopped) = stopper.push(decoder.push(tokenizer.piece(token)))
        emit(release)
        if stopped { return .stop }
        if generated.count >= request.maxTokens || request.prompt.count + generated.count >= contextLimit {
            emit(stopper.push(decoder.flush()).release)
            emit(stopper.flush())
            return .length
        }
        return nil
    }

    private func emit(_ s: String) {
        guard !s.isEmpty else { return }
        text += s
        continuation.yield(.text(s))
    }

    func finish(_ reason: FinishReason, now: Double) {
        var t = GenerationTimings()
        t.promptTokens = request.prompt.count
        t.generatedTokens = generated.count
        let first = firstTokenAt ?? now
        t.prefillSeconds = first - admittedAt
        t.decodeSeconds = now - first
        continuation.yield(.finished(GenerationResult(
            text: text, promptTokens: request.prompt, tokens: generated, logprobs: logprobs, alternatives: alternatives,
            finishReason: reason, stopSequence: stopper.matched, timings: t)))
        continuation.finish()
    }
}

/// Monotonic seconds.
func monotonicSeconds() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}
