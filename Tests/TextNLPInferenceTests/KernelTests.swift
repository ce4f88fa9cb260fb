import Foundation
import Testing
@testable import TextNLPInference

/// Each fast kernel against its naive reference.
struct KernelTests {
    static func random(_ n: Int, seed: UInt64) -> [Float] {
        var r = RandomSource(seed: seed)
        return (0..<n).map { _ in Float(r.unit() * 2 - 1) }
    }

    @Test(arguments: [1, 3, 17])
    func blasMatrixProductMatchesNaive(rows count: Int) {
        let m = Matrix(rows: 70, columns: 96, values: Self.random(70 * 96, seed: 1))
        let x = Self.random(count * 96, seed: 2)
        var fast = [Float](repeating: 0, count: count * 70), slow = fast
        m.apply(x, count: count, into: &fast)
        m.applyNaive(x, count: count, into: &slow)
        let worst = zip(fast, slow).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-4)
    }

    @Test(arguments: [(0, 5), (4, 1), (9, 6)])
    func attentionMatchesNaive(start: Int, count: Int) {
        let heads = 4, kvHeads = 2, hd = 8, kvDim = kvHeads * hd, qDim = heads * hd
        let total = start + count
        var cacheK = Self.random(total * kvDim, seed: 3), cacheV = Self.random(total * kvDim, seed: 4)
        let k = Array(cacheK[(start * kvDim)...]), v = Array(cacheV[(start * kvDim)...])
        let q = Self.random(count * qDim, seed: 5)
        var fast = [Float](repeating: 0, count: count * qDim), slow = fast
        Attention.run(q: q, k: k, v: v, out: &fast, count: count, start: start, cacheK: &cacheK, cacheV: &cacheV,
                      heads: heads, kvHeads: kvHeads, headDim: hd)
        Attention.naive(q: q, out: &slow, count: count, start: start, cacheK: cacheK, cacheV: cacheV,
                        heads: heads, kvHeads: kvHeads, headDim: hd)
        let worst = zip(fast, slow).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5)
    }

    @Test func geluFollowsGGMLsHalfPrecisionTable() {
        var x: [Float] = [-12, -1, 0, 0.5, 3, 11]
        Kernels.gelu(&x, count: x.count)
        #expect(x[0] == 0 && x[5] == 11 && x[2] == 0)
        #expect(abs(x[3] - Kernels.geluExact(0.5)) < 1e-3)
        #expect(x[4] == Float(Float16(Kernels.geluExact(3))))
    }
}

/// The f32-activation kernels (Q4_1, Q8_0 rows of the real model) against dequantize-then-naive, and their
/// batch invariance: a token's outputs are bit-identical alone or among others.
struct QuantizedKernelTests {
    @Test(arguments: ["blk.0.ffn_down.weight", "blk.3.attn_q.weight", "token_embd.weight"])
    func quantizedProductMatchesNaive(name: String) throws {
        let file = try GGUFFile(path: Support.smolLM2Path)
        let info = try file.tensor(name)
        let rows = min(info.shape[1], 512), columns = info.shape[0]
        let full = try Matrix(file, name, rows: info.shape[1], columns: columns, quantized: true, activations: .f32)
        let x = KernelTests.random(7 * columns, seed: 9)
        var fast = [Float](repeating: 0, count: 7 * full.rows)
        full.apply(x, count: 7, into: &fast)
        // The naive reference on the first `rows` rows (the whole vocabulary would take long).
        let w = full.dequantized
        var worst: Float = 0
        for t in 0..<7 {
            for r in 0..<rows {
                var sum: Float = 0
                for c in 0..<columns { sum += w[r * columns + c] * x[t * columns + c] }
                worst = max(worst, abs(sum - fast[t * full.rows + r]))
            }
        }
        #expect(worst < 1e-3, "\(name): largest difference \(worst)")
        // Batch invariance: token 5 alone gives exactly its row of the batch of 7.
        var alone = [Float](repeating: 0, count: full.rows)
        x.withUnsafeBufferPointer { full.apply($0.baseAddress! + 5 * columns, count: 1, into: &alone) }
        #expect(Array(fast[(5 * full.rows)..<(6 * full.rows)]) == alone)
    }
}
