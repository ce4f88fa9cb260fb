import Foundation
import Testing
@testable import TextNLPInference

struct EngineTests {
    static func engine(maxSequences: Int = 8, maxBatchTokens: Int = 512, context: Int? = nil) throws -> GenerationEngine {
        let m = try Support.model()
        return GenerationEngine(model: m.model, tokenizer: m.tokenizer,
                                configuration: .init(maxSequences: maxSequences, maxBatchTokens: maxBatchTokens, contextLength: context))
    }

    @Test func seededSamplingIsReproducible() async throws {
        let m = try Support.model()
        var p = SamplingParameters()
        p.temperature = 0.9
        p.seed = 1234
        let request = GenerationRequest(prompt: m.tokenizer.encode("Once upon a time"), sampling: p, maxTokens: 24)
        let a = try await Self.engine().generate(request)
        let b = try await Self.engine().generate(request)
        #expect(a.tokens == b.tokens && a.text == b.text)
        p.seed = 999
        let c = try await Self.engine().generate(GenerationRequest(prompt: request.prompt, sampling: p, maxTokens: 24))
        #expect(c.tokens != a.tokens)
        #expect(a.logprobs.count == a.tokens.count && a.logprobs.allSatisfy { $0 <= 0 })
    }

    @Test func chunkedPrefillGivesTheSameTokens() async throws {
        let m = try Support.model()
        let prompt = m.tokenizer.encode(String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 6))
        let request = GenerationRequest(prompt: prompt, sampling: .greedy, maxTokens: 12, stopAtEndOfGeneration: false)
        let whole = try await Self.engine(maxBatchTokens: 512).generate(request)
        let chunked = try await Self.engine(maxBatchTokens: 16).generate(request)
        #expect(whole.tokens == chunked.tokens)
    }

    @Test func maxTokensAndStopStrings() async throws {
        let m = try Support.model()
        let prompt = m.tokenizer.encode("1, 2, 3, 4, 5,")
        let limited = try await Self.engine().generate(GenerationRequest(prompt: prompt, sampling: .greedy, maxTokens: 5, stopAtEndOfGeneration: false))
        #expect(limited.tokens.count == 5 && limited.finishReason == .length)
        let full = try await Self.engine().generate(GenerationRequest(prompt: prompt, sampling: .greedy, maxTokens: 20, stopAtEndOfGeneration: false))
        let stopText = try #require(full.text.split(separator: ",").dropFirst(2).first).trimmingCharacters(in: .whitespaces)
        let stopped = try await Self.engine().generate(GenerationRequest(prompt: prompt, sampling: .greedy, maxTokens: 20, stop: [stopText]))
        #expect(stopped.finishReason == .stop)
        #expect(!stopped.text.contains(stopText))
        #expect(full.text.hasPrefix(stopped.text))
    }

    @Test func chatStopsAtEndOfTurn() async throws {
        let m = try Support.model()
        let prompt = try m.chatPrompt([ChatMessage(role: "user", content: "Say hello.")])
        let r = try await Self.engine().generate(GenerationRequest(prompt: prompt, sampling: .greedy, maxTokens: 200))
        #expect(r.finishReason == .stop)
        #expect(m.tokenizer.vocabulary.endOfGeneration.contains(try #require(r.tokens.last)))
        #expect(!r.text.contains("<|im_end|>"))
    }

    @Test func promptLongerThanTheContextIsAnError() async throws {
        let m = try Support.model()
        let prompt = m.tokenizer.encode(String(repeating: "word ", count: 100))
        await #expect(throws: GenerationError.promptTooLong(tokens: prompt.count, context: 64)) {
            _ = try await Self.engine(context: 64).generate(GenerationRequest(prompt: prompt))
        }
        await #expect(throws: GenerationError.emptyPrompt) { _ = try await Self.engine().generate(GenerationRequest(prompt: [])) }
        await #expect(throws: ModelError.self) { _ = try await Self.engine().generate(GenerationRequest(prompt: [999_999])) }
    }

    @Test func generationStopsAtTheEndOfTheContext() async throws {
        let m = try Support.model()
        let prompt = m.tokenizer.encode("Count: 1 2 3")
        let r = try await Self.engine(context: 20).generate(GenerationRequest(prompt: prompt, sampling: .greedy, maxTokens: 100, stopAtEndOfGeneration: false))
        #expect(r.finishReason == .length)
        #expect(r.promptTokens.count + r.tokens.count == 20)
    }

    @Test func cancellingAStreamEndsTheRequest() async throws {
        let m = try Support.model()
        let engine = try Self.engine()
        let stream = try await engine.submit(GenerationRequest(prompt: m.tokenizer.encode("Tell me a long story"), sampling: .greedy,
                                                               maxTokens: 500, stopAtEndOfGeneration: false))
        let task = Task {
            var pieces = 0
            for try await event in stream { if case .text = event { pieces += 1; if pieces == 3 { break } } }
            return pieces
        }
        #expect(try await task.value == 3)
        // The engine drops the request within a step or two.
        for _ in 0..<100 where await engine.load.running > 0 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(await engine.load.running == 0)
    }
}

/// The scheduler: requests join and leave mid-flight, the KV-cache cap is respected, memory is freed.
struct SchedulerTests {
    @Test func kvCacheCapIsRespectedAndEveryRequestFinishes() async throws {
        let m = try Support.model()
        // Each request can take (prompt + 40) positions × 30 layers × 192 × 2 × 4 bytes ≈ 2.5 MiB.
        let engine = GenerationEngine(model: m.model, tokenizer: m.tokenizer, configuration: .init(maxSequences: 8, kvCacheMiB: 6))
        let prompts = ["One", "Two apples and", "The sky is", "Once upon a time", "Water is", "Numbers: 1, 2,"]
        let monitor = Task {
            var worst = 0, sawWaiting = false
            for _ in 0..<400 {
                let (waiting, running) = await engine.load
                worst = max(worst, await engine.kvCacheBytes)
                sawWaiting = sawWaiting || (waiting > 0 && running > 0)
                try? await Task.sleep(for: .milliseconds(5))
            }
            return (worst, sawWaiting)
        }
        let results = try await withThrowingTaskGroup(of: GenerationResult.self) { group in
            for p in prompts {
                group.addTask {
                    try await engine.generate(GenerationRequest(prompt: m.tokenizer.encode(p), sampling: .greedy, maxTokens: 40, stopAtEndOfGeneration: false))
                }
            }
            var out: [GenerationResult] = []
            for try await r in group { out.append(r) }
            return out
        }
        #expect(results.count == prompts.count && results.allSatisfy { $0.tokens.count == 40 })
        let (worst, sawWaiting) = await monitor.value
        #expect(worst <= 6 << 20, "KV cache reached \(worst) bytes")
        #expect(sawWaiting, "no request ever waited for memory")
        #expect(await engine.kvCacheBytes == 0)
    }

    @Test func aRequestLargerThanTheCapIsRefused() async throws {
        let m = try Support.model()
        let engine = GenerationEngine(model: m.model, tokenizer: m.tokenizer, configuration: .init(kvCacheMiB: 1))
        await #expect(throws: GenerationError.self) {
            _ = try await engine.generate(GenerationRequest(prompt: m.tokenizer.encode("Hello"), maxTokens: 500))
        }
    }

    @Test func joiningMidFlightGivesTheSameTokensAsRunningAlone() async throws {
        let m = try Support.model()
        let a = GenerationRequest(prompt: m.tokenizer.encode("The capital of France is"), sampling: .greedy, maxTokens: 30, stopAtEndOfGeneration: false)
        var sampled = SamplingParameters()
        sampled.seed = 5
        let b = GenerationRequest(prompt: m.tokenizer.encode("Once upon a time"), sampling: sampled, maxTokens: 10, stopAtEndOfGeneration: false)
        let aloneA = try await EngineTests.engine().generate(a)
        let aloneB = try await EngineTests.engine().generate(b)
        let engine = try EngineTests.engine()
        async let first = engine.generate(a)
        try await Task.sleep(for: .milliseconds(150))  // b joins while a decodes, and leaves first
        let second = try await engine.generate(b)
        #expect(try await first.tokens == aloneA.tokens)
        #expect(second.tokens == aloneB.tokens)
        #expect(await engine.kvCacheBytes == 0)
    }
}
