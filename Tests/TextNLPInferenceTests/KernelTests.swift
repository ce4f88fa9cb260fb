import CKernels
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

    /// The batched attention over the f16 cache against the naive loops on the same (f16-rounded) keys and
    /// values: several chunks of different sequences in one call; each kernel (2 AVX-512, 1 AVX2, 0 portable C;
    /// head size 8 always runs the portable one).
    @Test(arguments: [(64, 9, 3, 2), (64, 9, 3, 1), (64, 9, 3, 0), (8, 4, 2, 2), (128, 4, 4, 2), (128, 4, 4, 1)])
    func attentionMatchesNaive(hd: Int, heads: Int, kvHeads: Int, kernel: Int) {
        let kvDim = kvHeads * hd, qDim = heads * hd
        let chunks = [(start: 0, count: 5), (start: 40, count: 1), (start: 9, count: 23)]
        let total = chunks.reduce(0) { $0 + $1.count }
        let q = Self.random(total * qDim, seed: 5), k = Self.random(total * kvDim, seed: 3), v = Self.random(total * kvDim, seed: 4)
        var fast = [Float](repeating: 0, count: total * qDim), slow = fast
        var parts: [Attention.Chunk] = [], caches: [(k: [Float], v: [Float])] = []
        var row = 0
        for (n, c) in chunks.enumerated() {
            let seq = KVCache.Sequence(layers: 1, kvDim: kvDim)
            seq.grow(to: KVCache.rounded(c.start + c.count))
            // Earlier positions of the sequence, as if decoded before.
            let earlier = Self.random(c.start * kvDim * 2, seed: UInt64(10 + n))
            for p in 0..<c.start {
                earlier.withUnsafeBufferPointer { e in
                    tnlp_kv_store(seq.keys[0], seq.values[0], Int32(kvDim), Int32(p), e.baseAddress! + p * kvDim, e.baseAddress! + (c.start + p) * kvDim)
                }
            }
            parts.append(Attention.Chunk(sequence: seq, row: row, count: c.count, start: c.start))
            row += c.count
            caches.append(([], []))
        }
        Attention.run(q: q, k: k, v: v, out: &fast, chunks: parts, layer: 0, heads: heads, kvHeads: kvHeads, headDim: hd, kernel: kernel)
        for (n, part) in parts.enumerated() {
            var ck = [Float](repeating: 0, count: (part.start + part.count) * kvDim), cv = ck
            for p in 0..<(part.start + part.count) {
                tnlp_kv_load(part.sequence.keys[0], part.sequence.values[0], Int32(kvDim), Int32(p), &ck[p * kvDim], &cv[p * kvDim])
            }
            q.withUnsafeBufferPointer { q in
                slow.withUnsafeMutableBufferPointer { out in
                    Attention.naive(q: q.baseAddress! + part.row * qDim, out: out.baseAddress! + part.row * qDim, count: part.count,
                                    start: part.start, cacheK: ck, cacheV: cv, heads: heads, kvHeads: kvHeads, headDim: hd)
                }
            }
            _ = n
        }
        let worst = zip(fast, slow).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5, "head size \(hd), kernel \(kernel): largest difference \(worst)")
        // The chunk's keys went into the cache, rounded to f16.
        var back = [Float](repeating: 0, count: kvDim), backV = back
        tnlp_kv_load(parts[2].sequence.keys[0], parts[2].sequence.values[0], Int32(kvDim), 9 + 4, &back, &backV)
        #expect(back == (0..<kvDim).map { Float(Float16(k[(5 + 1 + 4) * kvDim + $0])) })
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
