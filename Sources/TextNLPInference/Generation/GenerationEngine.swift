/// Knobs of the engine's scheduler.
public struct EngineConfiguration: Sendable {
    /// Sequences decoded together at most.
    public var maxSequences = 16
    /// Prompt tokens prefilled per step at most (the chunk budget).
    public var maxBatchTokens = 512
    /// Context length per sequence; at most the model's.
    public var contextLength: Int?
    /// KV-cache memory for all running sequences, in MiB; a request is admitted (in arrival order) only
    /// when the memory its prompt and token limit can take fits beside the running ones. nil: no cap.
    public var kvCacheMiB: Int?

    public init(maxSequences: Int = 16, maxBatchTokens: Int = 512, contextLength: Int? = nil, kvCacheMiB: Int? = nil) {
        self.maxSequences = maxSequences
        self.maxBatchTokens = maxBatchTokens
        self.contextLength = contextLength
        self.kvCacheMiB = kvCacheMiB
    }
}

/// Owns one loaded model and runs every request submitted to it, batching them step by step:
/// running sequences decode one token each, waiting prompts prefill in chunks within a token
/// budget, finished ones leave and free their KV memory. The engine's steps run on a thread of its own
/// (`ComputeThread`), never on the shared concurrency pool.
public actor GenerationEngine {
    private nonisolated let thread: ComputeThread
    public nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }
    public nonisolated let model: any LanguageModel
    public nonisolated let tokenizer: Tokenizer
    public nonisolated let configuration: EngineConfiguration
    public nonisolated let contextLength: Int
    private let cache: KVCache
    private var waiting: [ActiveSequence] = []
    private var running: [ActiveSequence] = []
    private var nextID = 0
    private var loop: Task<Void, Never>?

    public init(model: any LanguageModel, tokenizer: Tokenizer, configuration: EngineConfiguration = .init()) {
        self.model = model
        self.tokenizer = tokenizer
        self.configuration = configuration
        thread = ComputeThread(name: "textnlp engine")
        contextLength = min(configuration.contextLength ?? model.config.contextLength, model.config.contextLength)
        cache = model.makeCache(maxPositions: contextLength)
    }

    /// Starts a request. The stream yields text as it becomes final, then the result.
    /// Ending the stream early (cancelling its consumer) cancels the request.
    public func submit(_ request: GenerationRequest) throws -> GenerationStream {
        guard !request.prompt.isEmpty else { throw GenerationError.emptyPrompt }
        guard request.prompt.count < contextLength else {
            throw GenerationError.promptTooLong(tokens: request.prompt.count, context: contextLength)
        }
        guard request.maxTokens >= 1 else { throw GenerationError.invalidMaxTokens(request.maxTokens) }
        guard (0...20).contains(request.topLogprobs) else { throw GenerationError.invalidTopLogprobs(request.topLogprobs) }
        if let cap = capBytes, reservation(request) > cap {
            throw GenerationError.exceedsKVCache(neededMiB: (reservation(request) + (1 << 20) - 1) >> 20, capMiB: cap >> 20)
        }
        try request.sampling.validate()
        for t in request.prompt where t < 0 || Int(t) >= model.config.vocabSize {
            throw ModelError.invalidToken(t, vocabSize: model.config.vocabSize)
        }
        let id = nextID
        nextID += 1
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, Error>.makeStream()
        continuation.onTermination = { [weak self] termination in
            if case .cancelled = termination, let self { Task { await self.cancel(id) } }
        }
        enqueue(ActiveSequence(id: id, request: request, continuation: continuation))
        if loop == nil { loop = Task { await self.run() } }
        return GenerationStream(events: stream) { [weak self] in
            if let self { Task { await self.cancel(id) } }
        }
    }

    /// Runs a request to the end and returns its result.
    public func generate(_ request: GenerationRequest) async throws -> GenerationResult {
        for try await event in try submit(request) {
            if case .finished(let result) = event { return result }
        }
        throw CancellationError()
    }

    /// Number of requests waiting and running.
    public var load: (waiting: Int, running: Int) { (waiting.count, running.count) }

    /// Batch sequences paused so far to make room for online requests.
    public private(set) var pauses = 0

    /// Online requests wait ahead of batch work, each class in arrival order.
    private func enqueue(_ s: ActiveSequence) {
        if s.request.priority == .online, let i = waiting.firstIndex(where: { $0.request.priority == .batch }) {
            waiting.insert(s, at: i)
        } else {
            waiting.append(s)
        }
    }

    /// Frees the place and KV memory of a running batch sequence and puts it first among the waiting batch
    /// work: it resumes, recomputing its cache, as soon as there is room again.
    private func pause(_ s: ActiveSequence) {
        cache.remove(slot: s.id)
        running.removeAll { $0.id == s.id }
        s.pause()
        pauses += 1
        let first = waiting.firstIndex(where: { $0.request.priority == .batch }) ?? waiting.count
        waiting.insert(s, at: first)
    }

    /// Bytes the KV cache holds now.
    public var kvCacheBytes: Int { cache.bytes }

    private var capBytes: Int? { configuration.kvCacheMiB.map { $0 << 20 } }

    /// The most KV memory a request can take: its prompt plus its token limit, within the context.
    private func reservation(_ r: GenerationRequest) -> Int {
        let c = model.config
        return KVCache.rounded(min(r.prompt.count + r.maxTokens, contextLength)) * KVCache.bytesPerPosition(layers: c.blockCount, kvDim: c.kvDim)
    }

    private func cancel(_ id: Int) {
        if let s = waiting.first(where: { $0.id == id }) ?? running.first(where: { $0.id == id }) {
            s.continuation.finish(throwing: CancellationError())
        }
        waiting.removeAll { $0.id == id }
        if let i = running.firstIndex(where: { $0.id == id }) {
            cache.remove(slot: id)
            running.remove(at: i)
        }
    }

    private func run() async {
        while !waiting.isEmpty || !running.isEmpty {
            while let next = waiting.first {
                // First come, first served within a class: a request that does not fit yet holds back those behind
                // it. An online one that does not fit pauses the batch sequence admitted last, then the one before.
                let fits = running.count < configuration.maxSequences
                    && capBytes.map { running.reduce(0, { $0 + reservation($1.request) }) + reservation(next.request) <= $0 } ?? true
                if !fits {
                    // The victim is the batch sequence with the least in the cache: the cheapest to recompute.
                    guard next.request.priority == .online,
                          let victim = running.filter({ $0.request.priority == .batch }).min(by: { $0.cachedTokens < $1.cachedTokens }) else { break }
                    pause(victim)
                    continue
                }
                let s = waiting.removeFirst()
                cache.limit(slot: s.id, positions: min(s.request.prompt.count + s.request.maxTokens, contextLength))
                if s.admittedAt == 0 { s.admittedAt = monotonicSeconds() }
                running.append(s)
            }
            do {
                try step()
            } catch {
                for s in running {
                    cache.remove(slot: s.id)
                    s.continuation.finish(throwing: error)
                }
                running.removeAll()
            }
            await Task.yield()
        }
        loop = nil
    }

    /// One forward pass over every running sequence.
    private func step() throws {
        var chunks: [SequenceChunk] = []
        var members: [ActiveSequence] = []
        var budget = configuration.maxBatchTokens
        // Online prompts take the prefill budget first. While online sequences run, batch prompts prefill in small
        // chunks only, so that steps stay short and online tokens keep coming.
        let online = running.filter { $0.request.priority == .online }
        var batchBudget = online.isEmpty ? budget : max(1, budget / 8)
        for s in online + running.filter({ $0.request.priority == .batch }) {
            if s.isPrefilling {
                let allowed = s.request.priority == .online ? budget : min(budget, batchBudget)
                guard allowed > 0 else { continue }
                let n = min(allowed, s.context.count - s.prefilled)
                if s.request.priority == .batch { batchBudget -= n }
                budget -= n
                let tokens = Array(s.context[s.prefilled..<(s.prefilled + n)])
                let done = s.prefilled + n == s.context.count
                chunks.append(SequenceChunk(slot: s.id, tokens: tokens, start: s.prefilled, logits: done && s.samplesAfterPrefill ? .last : .none))
            } else if let last = s.generated.last {
                chunks.append(SequenceChunk(slot: s.id, tokens: [last], start: s.position, logits: .last))
            } else {
                continue
            }
            members.append(s)
        }
        guard !chunks.isEmpty else { return }
        let logits = try model.forward(chunks, cache: cache)
        let now = monotonicSeconds()
        var finished: Set<Int> = []
        for (i, s) in members.enumerated() {
            if s.isPrefilling { s.prefilled += chunks[i].tokens.count }
            guard chunks[i].logits == .last, !logits[i].isEmpty else { continue }
            let token = s.sampler.sample(logits[i])
            if let reason = s.accept(token, logits: logits[i], tokenizer: tokenizer, contextLimit: contextLength, now: now) {
                s.finish(reason, now: now)
                cache.remove(slot: s.id)
                finished.insert(s.id)
            }
        }
        running.removeAll { finished.contains($0.id) }
    }
}
