import Foundation
import Testing
@testable import TextNLPInference

/// The same prompt, parameters and seed give the same tokens — and the same logprobs, bit for bit —
/// alone or among many others, whatever the order of arrival and however prompts are split into chunks.
struct BatchInvarianceTests {
    struct Case: Sendable {
        var request: GenerationRequest
    }

    static func cases(_ m: LoadedModel) -> [GenerationRequest] {
        let subjects = ["the sea", "a red bicycle", "winter mornings", "an old library", "bees", "the moon landing",
                        "bread baking", "a quiet street", "mountain rivers", "owls at night", "city trains", "a lighthouse"]
        return (0..<36).map { i in
            // Prompts from 4 to about 120 tokens; greedy and sampled, with and without penalties.
            let repeatCount = 1 + (i * 7) % 9
            let text = "Write about \(subjects[i % subjects.count]). " + String(repeating: "Keep it vivid and short. ", count: repeatCount)
            var p = SamplingParameters()
            p.temperature = i % 3 == 0 ? 0 : 0.6 + Float(i % 4) * 0.2
            p.topK = [0, 20, 40][i % 3]
            p.topP = i % 2 == 0 ? 0.9 : 1.0
            p.minP = i % 5 == 0 ? 0 : 0.05
            p.repeatPenalty = i % 4 == 0 ? 1.15 : 1.0
            p.presencePenalty = i % 6 == 1 ? 0.5 : 0
            p.seed = UInt64(1000 + i)
            return GenerationRequest(prompt: m.tokenizer.encode(text), sampling: p, maxTokens: 12 + i % 10, stopAtEndOfGeneration: false)
        }
    }

    struct Outcome: Sendable, Equatable {
        var tokens: [Int32]
        var logprobs: [Double]
    }

    static func runAll(_ requests: [GenerationRequest], order: [Int], maxSequences: Int, maxBatchTokens: Int) async throws -> [Outcome] {
        let m = try Support.model()
        let engine = GenerationEngine(model: m.model, tokenizer: m.tokenizer,
                                      configuration: .init(maxSequences: maxSequences, maxBatchTokens: maxBatchTokens))
        var results = [Outcome?](repeating: nil, count: requests.count)
        try await withThrowingTaskGroup(of: IndexedOutcome.self) { group in
            for i in order {
                let request = requests[i]
                group.addTask {
                    let r = try await engine.generate(request)
                    return IndexedOutcome(index: i, outcome: Outcome(tokens: r.tokens, logprobs: r.logprobs))
                }
                // Stagger arrivals a little so that requests join running batches mid-flight.
                if i % 5 == 0 { try await Task.sleep(for: .milliseconds(20)) }
            }
            for try await r in group { results[r.index] = r.outcome }
        }
        return results.compactMap { $0 }
    }

    struct IndexedOutcome: Sendable {
        var index: Int
        var outcome: Outcome
    }

    @Test func tokensDoNotDependOnTheBatch() async throws {
        let m = try Support.model()
        let requests = Self.cases(m)
        #expect(requests.count >= 32)
        let alone = try await Self.runAll(requests, order: Array(requests.indices), maxSequences: 1, maxBatchTokens: 512)
        let together = try await Self.runAll(requests, order: Array(requests.indices), maxSequences: 64, maxBatchTokens: 512)
        let reversed = try await Self.runAll(requests, order: requests.indices.reversed(), maxSequences: 7, maxBatchTokens: 48)
        #expect(alone.count == requests.count)
        for i in requests.indices {
            #expect(together[i] == alone[i], "request \(i) differs in a batch of 36")
            #expect(reversed[i] == alone[i], "request \(i) differs in reversed order with 48-token chunks")
        }
    }
}
