import CKernels

/// Causal self-attention of a batch's chunks against their sequences' KV caches (f16, see attention.h).
enum Attention {
    /// A chunk's place: its rows in the batch, its sequence, the position of its first token.
    struct Chunk {
        let sequence: KVCache.Sequence
        let row: Int
        let count: Int
        let start: Int
    }

    /// Writes every chunk's keys and values of `layer` into the caches, then attends, all rows at once over
    /// the cores. q, out: (N, heads·hd); k, v: (N, kvHeads·hd). Every query row runs the same kernel over
    /// exactly the positions it may see, so a token's result does not depend on how its prompt was split
    /// into chunks or on what else is in the batch.
    /// `kernel`: nil for the best the CPU has; 2 AVX-512, 1 AVX2, 0 portable (tests).
    static func run(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                    chunks: [Chunk], layer: Int, heads: Int, kvHeads: Int, headDim hd: Int, kernel: Int? = nil) {
        let kvDim = kvHeads * hd, qDim = heads * hd
        var rows: [tnlp_attention_row] = []
        for c in chunks {
            let keys = c.sequence.keys[layer], values = c.sequence.values[layer]
            for i in 0..<c.count {
                let r = c.row + i
                tnlp_kv_store(keys, values, Int32(kvDim), Int32(c.start + i), k + r * kvDim, v + r * kvDim)
                rows.append(tnlp_attention_row(q: q + r * qDim, keys: keys, values: values, out: out + r * qDim, total: Int32(c.start + i + 1)))
            }
        }
        let scale = 1 / Float(hd).squareRoot()
        let level = Int32(kernel ?? 2)
        if tnlp_attention_kernel(rows, Int32(rows.count), Int32(heads), Int32(kvHeads), Int32(hd), scale, Matrix.parallelThreshold, level) != 0 {
            // Out of memory for the scores (a few KB): one row at a time, the same arithmetic.
            for var row in rows { _ = tnlp_attention_kernel(&row, 1, Int32(heads), Int32(kvHeads), Int32(hd), scale, Int.max, level) }
        }
    }

    /// The naive reference for one chunk, on f32 cache rows (positions, kvHeads·hd) that already hold it;
    /// queries and weights rounded to f16 as the kernel (and llama.cpp) does.
    static func naive(q: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, count t: Int, start: Int,
                      cacheK: UnsafePointer<Float>, cacheV: UnsafePointer<Float>,
                      heads: Int, kvHeads: Int, headDim hd: Int) {
        let kvDim = kvHeads * hd, qDim = heads * hd
        let scale = 1 / Float(hd).squareRoot()
        for i in 0..<t {
            let n = start + i + 1
            for h in 0..<heads {
                let g = h / (heads / kvHeads)
                var w = [Float](repeating: 0, count: n)
                for j in 0..<n {
                    var dot: Float = 0
                    for d in 0..<hd { dot += Float(Float16(q[i * qDim + h * hd + d])) * cacheK[j * kvDim + g * hd + d] }
                    w[j] = dot * scale
                }
                w.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, valid: n, width: n) }
                for d in 0..<hd {
                    var acc: Float = 0
                    for j in 0..<n { acc += Float(Float16(w[j])) * cacheV[j * kvDim + g * hd + d] }
                    out[i * qDim + h * hd + d] = acc
                }
            }
        }
    }
}
