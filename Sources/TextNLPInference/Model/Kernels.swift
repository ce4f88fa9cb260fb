import CKernels
import Foundation

/// Element-wise and normalisation kernels of the forward pass, over `count` rows of `width` values.
/// Shapes in comments: T tokens, C channels.
enum Kernels {
    /// RMSNorm (llama): y = x / sqrt(mean(x²) + eps) * w. x, y: (T, C); w: (C).
    static func rmsNorm(_ x: UnsafePointer<Float>, _ w: [Float], _ y: UnsafeMutablePointer<Float>, count: Int, width: Int, eps: Float) {
        w.withUnsafeBufferPointer { w in
            for t in 0..<count {
                let row = x + t * width, out = y + t * width
                var sum: Double = 0
                for i in 0..<width { sum += Double(row[i] * row[i]) }
                let scale = 1 / (Float(sum / Double(width)) + eps).squareRoot()
                for i in 0..<width { out[i] = row[i] * scale * w[i] }
            }
        }
    }

    /// LayerNorm (GPT-2): y = (x - mean) / sqrt(var + eps) * w + b. x, y: (T, C).
    static func layerNorm(_ x: UnsafePointer<Float>, _ w: [Float], _ b: [Float], _ y: UnsafeMutablePointer<Float>,
                          count: Int, width: Int, eps: Float) {
        w.withUnsafeBufferPointer { w in
            b.withUnsafeBufferPointer { b in
                for t in 0..<count {
                    let row = x + t * width, out = y + t * width
                    var sum: Double = 0
                    for i in 0..<width { sum += Double(row[i]) }
                    let mean = Float(sum / Double(width))
                    var variance: Double = 0
                    for i in 0..<width { let d = row[i] - mean; variance += Double(d * d) }
                    let scale = 1 / (Float(variance / Double(width)) + eps).squareRoot()
                    for i in 0..<width { out[i] = (row[i] - mean) * scale * w[i] + b[i] }
                }
            }
        }
    }

    /// Rotary embedding, llama.cpp's "normal" mode: adjacent pairs (2i, 2i+1) of each head rotate by
    /// pos · base^(-2i/dims). x: (T, heads, headDim), positions: (T).
    static func rope(_ x: UnsafeMutablePointer<Float>, positions: [Int], heads: Int, headDim: Int, dims: Int, base: Float) {
        let thetaScale = powf(base, -2 / Float(dims))
        for (t, pos) in positions.enumerated() {
            var cosSin = [(Float, Float)](repeating: (1, 0), count: dims / 2)
            var theta = Float(pos)
            for i in 0..<(dims / 2) {
                cosSin[i] = (cosf(theta), sinf(theta))
                theta *= thetaScale
            }
            for h in 0..<heads {
                let v = x + (t * heads + h) * headDim
                for i in 0..<(dims / 2) {
                    let (c, s) = cosSin[i]
                    let a = v[2 * i], b = v[2 * i + 1]
                    v[2 * i] = a * c - b * s
                    v[2 * i + 1] = a * s + b * c
                }
            }
        }
    }

    /// In-place softmax of the first `valid` entries of a row; the rest are set to 0.
    static func softmax(_ row: UnsafeMutablePointer<Float>, valid: Int, width: Int) {
        var maxValue = -Float.infinity
        for i in 0..<valid { maxValue = max(maxValue, row[i]) }
        var sum: Double = 0
        for i in 0..<valid {
            let e = expf(row[i] - maxValue)
            row[i] = e
            sum += Double(e)
        }
        let inv = Float(1 / sum)
        for i in 0..<valid { row[i] *= inv }
        for i in valid..<width { row[i] = 0 }
    }

    /// SwiGLU: gate = silu(gate) * up, in place. gate, up: (T, F). Vectorized and split over the cores.
    static func swiGLU(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        tnlp_swiglu(gate, up, count, Matrix.parallelThreshold)
    }

    /// GELU, tanh approximation, in place, as ggml's CPU backend computes it: through half precision
    /// (input and output rounded to f16) inside (-10, 10), identity above, zero below.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            if v <= -10 {
                x[i] = 0
            } else if v < 10 {
                x[i] = Float(Float16(geluExact(Float(Float16(v)))))
            }
        }
    }

    /// 0.5·x·(1 + tanh(√(2/π)·x·(1 + 0.044715·x²))).
    static func geluExact(_ v: Float) -> Float {
        let c: Float = 0.797_884_560_802_865_4
        return 0.5 * v * (1 + tanhf(c * v * (1 + 0.044715 * v * v)))
    }

    /// x += y.
    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// Adds a bias to each of `count` rows.
    static func addBias(_ x: UnsafeMutablePointer<Float>, _ b: [Float], count: Int) {
        b.withUnsafeBufferPointer { b in
            let width = b.count
            for t in 0..<count {
                let row = x + t * width
                for i in 0..<width { row[i] += b[i] }
            }
        }
    }
}
