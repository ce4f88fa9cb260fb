import CKernels
import Foundation

/// Chooses the next token from a row of logits, in llama.cpp's order:
/// penalties → top-k → top-p → min-p → temperature → draw (or greedy arg-max).
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var random: RandomSource
    /// The last `penaltyLastN` tokens, oldest first.
    private var history: [Int32] = []

    public init(_ parameters: SamplingParameters, history: [Int32] = []) {
        self.parameters = parameters
        random = RandomSource(seed: parameters.seed)
        for t in history { remember(t) }
    }

    /// Adds a token to the penalty window.
    public mutating func remember(_ token: Int32) {
        guard parameters.penaltyLastN > 0 else { return }
        history.append(token)
        if history.count > parameters.penaltyLastN { history.removeFirst(history.count - parameters.penaltyLastN) }
    }

    /// Applies the repetition, frequency and presence penalties in place.
    func applyPenalties(_ logits: inout [Float]) {
        let p = parameters
        guard !history.isEmpty, p.repeatPenalty != 1 || p.frequencyPenalty != 0 || p.presencePenalty != 0 else { return }
        var counts: [Int32: Int] = [:]
        for t in history { counts[t, default: 0] += 1 }
        for (t, n) in counts where Int(t) < logits.count {
            var l = logits[Int(t)]
            l = l > 0 ? l / p.repeatPenalty : l * p.repeatPenalty
            l -= Float(n) * p.frequencyPenalty + p.presencePenalty
            logits[Int(t)] = l
        }
    }

    /// The next token. Ties in the greedy case go to the lowest id, like llama.cpp.
    public mutating func sample(_ raw: [Float]) -> Int32 {
        var logits = raw
        applyPenalties(&logits)
        let p = parameters
        if p.temperature <= 0 { return Self.argmax(logits) }
        // Nothing truncates (OpenAI's defaults: no top-k, top_p 1, no min-p): draw from the whole softmax in id
        // order, one pass, instead of sorting the vocabulary for every token (which made a step of 16 such
        // sequences eight times slower).
        if p.topK <= 0 || p.topK >= logits.count, p.topP >= 1, p.minP <= 0 { return drawUntruncated(logits, temperature: p.temperature) }

        // Candidates sorted by logit (descending), ties by id, so that truncation is deterministic.
        var ids = Array(0..<Int32(logits.count))
        let k = p.topK > 0 ? min(p.topK, ids.count) : ids.count
        if k < ids.count {
            ids = Self.topK(logits, k)
        } else {
            ids.sort { logits[Int($0)] != logits[Int($1)] ? logits[Int($0)] > logits[Int($1)] : $0 < $1 }
        }
        // Probabilities of the candidates (before temperature, as llama.cpp's top-p and min-p use).
        var probs = Self.softmax(ids.map { logits[Int($0)] }, temperature: 1)
        if p.topP < 1 {
            var cum: Double = 0, keep = ids.count
            for (i, q) in probs.enumerated() {
                cum += q
                if cum >= Double(p.topP) { keep = i + 1; break }
            }
            ids.removeSubrange(keep...)
            probs.removeSubrange(keep...)
        }
        if p.minP > 0, let top = probs.first {
            let threshold = top * Double(p.minP)
            let keep = max(1, probs.firstIndex { $0 < threshold } ?? probs.count)
            ids.removeSubrange(keep...)
        }
        let final = Self.softmax(ids.map { logits[Int($0)] }, temperature: p.temperature)
        var u = random.unit()
        for (i, q) in final.enumerated() {
            u -= q
            if u < 0 { return ids[i] }
        }
        return ids[ids.count - 1]
    }

    private mutating func drawUntruncated(_ logits: [Float], temperature: Float) -> Int32 {
        guard let m = logits.max() else { return 0 }
        var weights = [Float](repeating: 0, count: logits.count)
        tnlp_exp_shifted(logits, logits.count, m, 1 / temperature, &weights)
        var sum: Double = 0
        for w in weights { sum += Double(w) }
        var u = random.unit() * sum
        var last = 0
        for (i, w) in weights.enumerated() where w > 0 {
            u -= Double(w)
            if u < 0 { return Int32(i) }
            last = i
        }
        return Int32(last)
    }

    static func argmax(_ x: [Float]) -> Int32 {
        var best = 0
        for i in 1..<x.count where x[i] > x[best] { best = i }
        return Int32(best)
    }

    /// The `k` highest logits, highest first (ties by id): one pass keeping a sorted list of k, instead of
    /// sorting the whole vocabulary for every token (which took a fifth of a batched decode step).
    static func topK(_ logits: [Float], _ k: Int) -> [Int32] {
        guard k <= 256 else { return Array(topKNaive(logits, k)) }
        var values: [Float] = []
        var ids: [Int32] = []
        values.reserveCapacity(k + 1)
        ids.reserveCapacity(k + 1)
        logits.withUnsafeBufferPointer { l in
            for i in 0..<l.count {
                let v = l[i]
                // An equal logit with a higher id never displaces one already kept.
                if values.count == k, !(v > values[k - 1]) { continue }
                var pos = values.count
                while pos > 0, values[pos - 1] < v { pos -= 1 }
                values.insert(v, at: pos)
                ids.insert(Int32(i), at: pos)
                if values.count > k {
                    values.removeLast()
                    ids.removeLast()
                }
            }
        }
        return ids
    }

    /// The reference for `topK`: sort every id.
    static func topKNaive(_ logits: [Float], _ k: Int) -> ArraySlice<Int32> {
        var ids = Array(0..<Int32(logits.count))
        ids.sort { logits[Int($0)] != logits[Int($1)] ? logits[Int($0)] > logits[Int($1)] : $0 < $1 }
        return ids.prefix(k)
    }

    static func softmax(_ x: [Float], temperature: Float) -> [Double] {
        guard let m = x.max() else { return [] }
        let e = x.map { exp(Double($0 - m) / Double(temperature)) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }

    /// log softmax(logits)[token]: the model's log-probability of a token.
    /// The `k` most likely tokens under the raw logits (log-softmax), most likely first; ties go to the lower id.
    public static func mostLikely(_ k: Int, in logits: [Float]) -> [TokenAlternative] {
        guard let (m, logZ) = normalizer(logits) else { return [] }
        return mostLikely(k, in: logits, max: m, logZ: logZ)
    }

    /// The max logit and log Σ e^(l - max), for log-softmax: e^x on the kernels' vector path (the engine takes
    /// this for every generated token, so it must not cost a scalar exp per vocabulary entry).
    public static func normalizer(_ logits: [Float]) -> (max: Float, logZ: Double)? {
        guard let m = logits.max() else { return nil }
        var weights = [Float](repeating: 0, count: logits.count)
        tnlp_exp_shifted(logits, logits.count, m, 1, &weights)
        var sum: Double = 0
        for w in weights { sum += Double(w) }
        return (m, log(sum))
    }

    static func mostLikely(_ k: Int, in logits: [Float], max m: Float, logZ: Double) -> [TokenAlternative] {
        guard k > 0 else { return [] }
        var best: [(Int32, Float)] = []
        best.reserveCapacity(k + 1)
        for (i, l) in logits.enumerated() {
            if best.count == k, let last = best.last, l <= last.1 { continue }
            let at = best.firstIndex { l > $0.1 } ?? best.count
            best.insert((Int32(i), l), at: at)
            if best.count > k { best.removeLast() }
        }
        return best.map { TokenAlternative(token: $0.0, logprob: Double($0.1 - m) - logZ) }
    }

    public static func logProbability(of token: Int32, in logits: [Float]) -> Double {
        guard let m = logits.max() else { return 0 }
        var sum: Double = 0
        for l in logits { sum += exp(Double(l - m)) }
        return Double(logits[Int(token)] - m) - log(sum)
    }
}
