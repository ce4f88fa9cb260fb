import Foundation
import Testing
@testable import TextNLPInference

/// SmolLM2-135M-Instruct against llama.cpp run on an f32 copy of the same weights (Fixtures/engine.json).
struct SmolLM2ReferenceTests {
    struct Prompt: Decodable {
        let kind: String
        let text: String
        let prompt_ids: [Int32]
        let greedy_f32: [Int32]
        let greedy_q4_1: [Int32]
        let teacher_ids: [Int32]
        let top_ids: [[Int32]]
        let top_logits: [[Float]]
    }
    struct File: Decodable { let prompts: [Prompt] }

    static func prompts() throws -> [Prompt] { try Support.fixture("engine.json", as: File.self).prompts }

    /// Feeds prompt + the reference's greedy continuation and compares every position.
    @Test func teacherForcedLogitsMatchTheF32Reference() throws {
        let model = try Support.model().model
        let vocab = model.config.vocabSize
        var decisive = 0, agree = 0, worst: Float = 0
        for p in try Self.prompts() {
            #expect(p.kind == "chat" || p.kind == "plain")
            let logits = try model.forward([SequenceChunk(slot: 0, tokens: p.teacher_ids, start: 0, logits: .all)], cache: model.makeCache())[0]
            for pos in 0..<p.teacher_ids.count {
                let row = Array(logits[(pos * vocab)..<((pos + 1) * vocab)])
                for (id, value) in zip(p.top_ids[pos], p.top_logits[pos]) { worst = max(worst, abs(row[Int(id)] - value)) }
                if p.top_logits[pos][0] - p.top_logits[pos][1] > 0.1 {
                    decisive += 1
                    if Sampler.argmax(row) == p.top_ids[pos][0] { agree += 1 }
                }
            }
        }
        print("teacher-forced: best token agrees at \(agree)/\(decisive) decisive positions; largest logit difference \(worst)")
        #expect(decisive > 500)
        #expect(agree == decisive)
        #expect(worst < 0.02)
    }

    /// All 14 prompts run together through the engine (batched), greedy, 32 tokens each.
    @Test func freeRunningGreedyMatchesTheF32Reference() async throws {
        let loaded = try Support.model()
        let prompts = try Self.prompts()
        #expect(prompts.count == 14)
        let engine = GenerationEngine(model: loaded.model, tokenizer: loaded.tokenizer, configuration: .init(maxSequences: 16))
        let results = try await withThrowingTaskGroup(of: (Int, [Int32]).self) { group in
            for (i, p) in prompts.enumerated() {
                group.addTask {
                    let r = try await engine.generate(GenerationRequest(prompt: p.prompt_ids, sampling: .greedy, maxTokens: 32, stopAtEndOfGeneration: false))
                    return (i, r.tokens)
                }
            }
            var out = [[Int32]](repeating: [], count: prompts.count)
            for try await (i, tokens) in group { out[i] = tokens }
            return out
        }
        var identical = 0, identicalQ = 0
        for (p, tokens) in zip(prompts, results) {
            #expect(tokens.count == 32)
            if tokens == p.greedy_f32 { identical += 1 }
            if tokens == p.greedy_q4_1 { identicalQ += 1 }
        }
        print("free-running greedy: \(identical)/14 identical to llama.cpp f32 for 32 tokens; \(identicalQ)/14 to llama.cpp Q4_1")
        #expect(identical >= 12)
    }
}
