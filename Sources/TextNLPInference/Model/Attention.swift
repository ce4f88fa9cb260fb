import CBLAS
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
        let total = start + t
        let group = heads / kvHeads
        let scale = 1 / Float(hd).squareRoot()
        if t == 1 {
            // Decoding: one query; vector kernels instead of two small BLAS calls per head.
            var scores = [Float](repeating: 0, count: total)
            tnlp_attention_one(q, cacheK, cacheV, out, Int32(total), Int32(heads), Int32(kvHeads), Int32(hd), scale, &scores)
            return
        }
        var scores = [Float](repeating: 0, count: t * total)
        scores.withUnsafeMutableBufferPointer { s in
            let s = s.baseAddress!
            for h in 0..<heads {
                let g = h / group
                // scores (T, total) = scale · Q_h (T, hd) · K_gᵀ (hd, total)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(total), Int32(hd), scale,
                            q + h * hd, Int32(qDim), cacheK + g * hd, Int32(kvDim), 0, s, Int32(total))
                for i in 0..<t { Kernels.softmax(s + i * total, valid: start + i + 1, width: total) }
                // out_h (T, hd) = P (T, total) · V_g (total, hd)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(t), Int32(hd), Int32(total), 1,
                            s, Int32(total), cacheV + g * hd, Int32(kvDim), 0, out + h * hd, Int32(qDim))
            }
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
