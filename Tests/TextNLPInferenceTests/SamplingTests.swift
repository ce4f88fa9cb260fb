import Foundation
import Testing
@testable import TextNLPInference

struct SamplingTests {
    @Test func greedyPicksTheLowestIdOnTies() {
        var s = Sampler(.greedy)
        #expect(s.sample([0, 3, 1, 3]) == 1)
    }

    @Test func sameSeedSameTokensOtherSeedOtherTokens() {
        let logits: [Float] = (0..<200).map { Float(($0 * 37) % 23) / 5 }
        var p = SamplingParameters()
        p.temperature = 1.5
        p.topK = 0
        p.topP = 1
        p.minP = 0
        func draw(_ seed: UInt64) -> [Int32] {
            p.seed = seed
            var s = Sampler(p)
            return (0..<50).map { _ in s.sample(logits) }
        }
        #expect(draw(7) == draw(7))
        #expect(draw(7) != draw(8))
    }

    @Test func topKTopPAndMinPRestrictTheCandidates() {
        let logits: [Float] = [5, 4, 3, 2, 1, 0]
        func seen(_ configure: (inout SamplingParameters) -> Void) -> Set<Int32> {
            var p = SamplingParameters()
            p.temperature = 5
            p.topK = 0
            p.topP = 1
            p.minP = 0
            configure(&p)
            var s = Sampler(p)
            return Set((0..<400).map { _ in s.sample(logits) })
        }
        #expect(seen { _ in } == [0, 1, 2, 3, 4, 5])
        #expect(seen { $0.topK = 2 } == [0, 1])
        // Probabilities at temperature 1: 0.636, 0.234, 0.086, ... → top-p 0.8 keeps two.
        #expect(seen { $0.topP = 0.8 } == [0, 1])
        // min-p 0.1: keeps tokens with p ≥ 0.0636 → three.
        #expect(seen { $0.minP = 0.1 } == [0, 1, 2])
    }

    @Test func penaltiesFollowLlamaCpp() {
        var p = SamplingParameters.greedy
        p.repeatPenalty = 2
        p.frequencyPenalty = 0.5
        p.presencePenalty = 0.25
        let s = Sampler(p, history: [0, 0, 1])
        var logits: [Float] = [4, -2, 3]
        s.applyPenalties(&logits)
        let expected: [Float] = [0.75, -4.75, 3]  // 4/2 − 2·0.5 − 0.25; −2·2 − 0.5 − 0.25; untouched
        #expect(logits == expected)
    }

    @Test func logProbabilityIsLogSoftmax() {
        let lp = Sampler.logProbability(of: 1, in: [0, log(3)])
        #expect(abs(lp - log(0.75)) < 1e-6)
    }

    @Test func invalidParametersNameTheParameter() {
        var p = SamplingParameters()
        p.topP = 1.5
        #expect(throws: SamplingError.invalid(parameter: "top_p", reason: "must be between 0 and 1")) { try p.validate() }
        p = SamplingParameters()
        p.temperature = -1
        #expect(throws: SamplingError.self) { try p.validate() }
    }

    @Test func stopStringsAreHeldBackAndCut() {
        var m = StopMatcher(["###", "\n\n"])
        #expect(m.push("Hello #") == ("Hello ", false))
        #expect(m.push("# wor") == ("## wor", false))
        #expect(m.push("ld\r") == ("ld\r", false))
        #expect(m.push("\n\nmore") == ("", true))
        var n = StopMatcher(["\n"])
        #expect(n.push("line\r\nnext") == ("line\r", true))
    }
}

struct TopKTests {
    @Test func selectionEqualsSortingWithTies() {
        var rng = SystemRandomNumberGenerator()
        for trial in 0..<50 {
            let count = [5, 100, 49152][trial % 3]
            // Few distinct values, so that ties are everywhere.
            let logits = (0..<count).map { _ in Float(Int.random(in: -20...20, using: &rng)) / 4 }
            for k in [1, 2, 5, 40, 100, 256, 300] where k <= count {
                #expect(Sampler.topK(logits, k) == Array(Sampler.topKNaive(logits, k)), "count \(count) k \(k)")
            }
        }
    }
}
