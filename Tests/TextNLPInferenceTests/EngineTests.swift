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
