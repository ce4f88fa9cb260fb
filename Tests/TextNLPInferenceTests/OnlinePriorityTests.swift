import Foundation
import Testing
@testable import TextNLPInference

/// Online requests go ahead of batch work: they are admitted first, and when every place is taken they pause
/// batch sequences, which resume later and end exactly as they would have without the pause.
struct OnlinePriorityTests {
    static func request(_ m: LoadedModel, _ text: String, seed: UInt64, maxTokens: Int, priority: GenerationPriority) -> GenerationRequest {
        var p = SamplingParameters()
        p.temperature = 0.9
        p.seed = seed
        return GenerationRequest(prompt: m.tokenizer.encode(text), sampling: p, maxTokens: maxTokens, stopAtEndOfGeneration: false, priority: priority)
    }

    struct Outcome: Sendable, Equatable {
        var tokens: [Int32]
        var logprobs: [Double]
        init(_ r: GenerationResult) {
            tokens = r.tokens
            logprobs = r.logprobs
        }
    }

    @Test func pausedBatchSequencesResumeExactly() async throws {
        let m = try Support.model()
        let batch = (0..<3).map { Self.request(m, "Tell a long story about harbour number \($0).", seed: 70 + UInt64($0), maxTokens: 40, priority: .batch) }
        let online = Self.request(m, "Say hello.", seed: 5, maxTokens: 8, priority: .online)
        var alone: [Outcome] = []
        let solo = GenerationEngine(model: m.model, tokenizer: m.tokenizer, configuration: .init(maxSequences: 1))
        for r in batch { alone.append(Outcome(try await solo.generate(r))) }
        let onlineAlone = Outcome(try await solo.generate(online))

        let engine = GenerationEngine(model: m.model, tokenizer: m.tokenizer, configuration: .init(maxSequences: 2, maxBatchTokens: 16))
        let streams = try await batch.asyncMap { try await engine.submit($0) }
        async let results: [Outcome] = streams.asyncMap { stream in
            for try await event in stream { if case .finished(let r) = event { return Outcome(r) } }
            throw CancellationError()
        }
        // Wait until both places decode, then ask online: a batch sequence must give way.
        while await engine.load.running < 2 { try await Task.sleep(for: .milliseconds(2)) }
        try await Task.sleep(for: .milliseconds(30))
        let o = Outcome(try await engine.generate(online))
        let batchResults = try await results
        #expect(await engine.pauses >= 1)
        #expect(o == onlineAlone)
        #expect(batchResults == alone, "a paused and resumed batch sequence differs from its run alone")
    }

    @Test func onlineRequestsAreAdmittedBeforeWaitingBatchWork() async throws {
        let m = try Support.model()
        let engine = GenerationEngine(model: m.model, tokenizer: m.tokenizer, configuration: .init(maxSequences: 1))
        let order = OrderLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<4 {
                let r = Self.request(m, "Batch row \(i).", seed: UInt64(i), maxTokens: 6, priority: .batch)
                group.addTask { _ = try await engine.generate(r); await order.add("batch\(i)") }
            }
            while await engine.load.running < 1 { try await Task.sleep(for: .milliseconds(1)) }
            let r = Self.request(m, "Online.", seed: 9, maxTokens: 4, priority: .online)
            group.addTask { _ = try await engine.generate(r); await order.add("online") }
            try await group.waitForAll()
        }
        let ended = await order.names
        #expect(ended.count == 5)
        // The online request took the one place as soon as it came (pausing the running batch row), so it
        // ended before every batch row but possibly one that finished as it arrived.
        #expect((ended.firstIndex(of: "online") ?? 9) <= 1, "order: \(ended)")
    }

    @Test func topLogprobsListTheMostLikelyTokens() async throws {
        let m = try Support.model()
        let engine = GenerationEngine(model: m.model, tokenizer: m.tokenizer)
        var r = GenerationRequest(prompt: m.tokenizer.encode("The capital of France is"), sampling: .greedy, maxTokens: 6, topLogprobs: 5)
        r.stopAtEndOfGeneration = false
        let result = try await engine.generate(r)
        #expect(result.alternatives.count == result.tokens.count)
        for (i, alts) in result.alternatives.enumerated() {
            #expect(alts.count == 5)
            #expect(alts.first?.token == result.tokens[i], "greedy picks the most likely token")
            #expect(alts.first?.logprob == result.logprobs[i])
            #expect(zip(alts, alts.dropFirst()).allSatisfy { $0.logprob >= $1.logprob })
            #expect(Set(alts.map(\.token)).count == 5)
        }
        r.topLogprobs = 21
        await #expect(throws: GenerationError.invalidTopLogprobs(21)) { try await engine.submit(r) }
    }
}

actor OrderLog {
    var names: [String] = []
    func add(_ name: String) { names.append(name) }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await transform(e)) }
        return out
    }
}
