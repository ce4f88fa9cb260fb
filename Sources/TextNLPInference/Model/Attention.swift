import CKernels

/// Causal self-attention of one chunk of a sequence against its KV cache.
enum Attention {
    /// Writes the chunk's keys and values into the cache, then attends.
    /// q: (T, heads·hd), k, v: (T, kvHeads·hd), out: (T, heads·hd); cache rows: (positions, kvHeads·hd).
    static func run(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                    out: UnsafeMutablePointer<Float>, count t: Int, start: Int,
                    cacheK: UnsafeMutablePointer<Float>, cacheV: UnsafeMutablePointer<Float>,
                    heads: Int, kvHeads: Int, headDim hd: Int) {
        let kvDim = kvHeads * hd, qDim = heads * hd
        (cacheK + start * kvDim).update(from: k, count: t * kvDim)
        (cacheV + start * kvDim).update(from: v, count: t * kvDim)
        let scale = 1 / Float(hd).squareRoot()
        // Every query row runs the same kernel as a decoding step, over exactly the positions it may see,
        // so a token's attention does not depend on how its prompt was split into chunks or on what else
        // is in the batch (batch invariance; BLAS would pick its blocking by the chunk's size).
        var scores = [Float](repeating: 0, count: start + t)
        for i in 0..<t {
            tnlp_attention_one(q + i * qDim, cacheK, cacheV, out + i * qDim, Int32(start + i + 1),
                               Int32(heads), Int32(kvHeads), Int32(hd), scale, &scores)
        }
    }

    /// The naive reference of `run` (after the cache holds the chunk): loops, no BLAS.
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
                    for d in 0..<hd { dot += q[i * qDim + h * hd + d] * cacheK[j * kvDim + g * hd + d] }
                    w[j] = dot * scale
                }
                w.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, valid: n, width: n) }
                for d in 0..<hd {
                    var acc: Float = 0
                    for j in 0..<n { acc += w[j] * cacheV[j * kvDim + g * hd + d] }
                    out[i * qDim + h * hd + d] = acc
                }
            }
        }
    }
}
