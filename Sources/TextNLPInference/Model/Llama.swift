// Llama architecture, following llama.cpp's `build_llama` graph (src/models/llama.cpp):
// RMSNorm, RoPE (adjacent pairs), grouped-query attention, SwiGLU, tied or separate output head.

struct LlamaLayer: Sendable {
    let attnNorm: Vector, ffnNorm: Vector
    let wq: Matrix, wk: Matrix, wv: Matrix, wo: Matrix
    let gate: Matrix, up: Matrix, down: Matrix

    init(_ f: GGUFFile, _ i: Int, _ c: ModelConfig, _ a: ActivationPrecision) throws {
        let p = "blk.\(i)."
        attnNorm = try Vector(f, p + "attn_norm.weight", count: c.embeddingLength)
        ffnNorm = try Vector(f, p + "ffn_norm.weight", count: c.embeddingLength)
        wq = try Matrix(f, p + "attn_q.weight", rows: c.embeddingLength, columns: c.embeddingLength, activations: a)
        wk = try Matrix(f, p + "attn_k.weight", rows: c.kvDim, columns: c.embeddingLength, activations: a)
        wv = try Matrix(f, p + "attn_v.weight", rows: c.kvDim, columns: c.embeddingLength, activations: a)
        wo = try Matrix(f, p + "attn_output.weight", rows: c.embeddingLength, columns: c.embeddingLength, activations: a)
        gate = try Matrix(f, p + "ffn_gate.weight", rows: c.feedForwardLength, columns: c.embeddingLength, activations: a)
        up = try Matrix(f, p + "ffn_up.weight", rows: c.feedForwardLength, columns: c.embeddingLength, activations: a)
        down = try Matrix(f, p + "ffn_down.weight", rows: c.embeddingLength, columns: c.feedForwardLength, activations: a)
    }
}

public final class LlamaModel: LanguageModel {
    public let config: ModelConfig
    let embedding: Matrix      // (vocab, C)
    let layers: [LlamaLayer]
    let outputNorm: Vector
    let output: Matrix         // (vocab, C); the embedding when tied

    init(_ file: GGUFFile, config c: ModelConfig, activations a: ActivationPrecision) throws {
        config = c
        // Only a tied embedding is multiplied (as the output head); otherwise rows are just looked up.
        let tied = file.tensorsByName["output.weight"] == nil
        embedding = try Matrix(file, "token_embd.weight", rows: c.vocabSize, columns: c.embeddingLength, activations: tied ? a : .f32)
        layers = try (0..<c.blockCount).map { try LlamaLayer(file, $0, c, a) }
        outputNorm = try Vector(file, "output_norm.weight", count: c.embeddingLength)
        output = tied
            ? embedding
            : try Matrix(file, "output.weight", rows: c.vocabSize, columns: c.embeddingLength, activations: a)
    }

    public func forward(_ chunks: [SequenceChunk], cache: KVCache) throws -> [[Float]] {
        let c = config
        let batch = try BatchLayout(chunks, config: c, cache: cache)
        let n = batch.tokens.count, dim = c.embeddingLength, kvDim = c.kvDim, ff = c.feedForwardLength
        var x = [Float](repeating: 0, count: n * dim)          // residual stream (N, C)
        var h = [Float](repeating: 0, count: n * dim)          // normalised input (N, C)
        var q = [Float](repeating: 0, count: n * dim)          // (N, heads·hd)
        var k = [Float](repeating: 0, count: n * kvDim)        // (N, kvHeads·hd)
        var v = [Float](repeating: 0, count: n * kvDim)
        var att = [Float](repeating: 0, count: n * dim)        // attention output (N, C)
        var g = [Float](repeating: 0, count: n * ff)           // (N, F)
        var u = [Float](repeating: 0, count: n * ff)
        x.withUnsafeMutableBufferPointer { x in
            for (i, t) in batch.tokens.enumerated() { embedding.copyRow(Int(t), into: x.baseAddress! + i * dim) }
        }
        let sequences = try chunks.map { try cache.sequence($0.slot) }
        for (l, layer) in layers.enumerated() {
            Kernels.rmsNorm(x, layer.attnNorm.values, &h, count: n, width: dim, eps: c.normEpsilon)
            q.withUnsafeMutableBufferPointer { q in k.withUnsafeMutableBufferPointer { k in v.withUnsafeMutableBufferPointer { v in
                Matrix.apply([layer.wq, layer.wk, layer.wv], h, count: n, into: [q.baseAddress!, k.baseAddress!, v.baseAddress!])
            }}}
            q.withUnsafeMutableBufferPointer { Kernels.rope($0.baseAddress!, positions: batch.positions, heads: c.headCount, headDim: c.headDim, dims: c.ropeDimensions, base: c.ropeFreqBase) }
            k.withUnsafeMutableBufferPointer { Kernels.rope($0.baseAddress!, positions: batch.positions, heads: c.headCountKV, headDim: c.headDim, dims: c.ropeDimensions, base: c.ropeFreqBase) }
            let parts = chunks.indices.map { Attention.Chunk(sequence: sequences[$0], row: batch.offsets[$0], count: chunks[$0].tokens.count, start: chunks[$0].start) }
            q.withUnsafeBufferPointer { q in k.withUnsafeBufferPointer { k in v.withUnsafeBufferPointer { v in
            att.withUnsafeMutableBufferPointer { att in
                Attention.run(q: q.baseAddress!, k: k.baseAddress!, v: v.baseAddress!, out: att.baseAddress!, chunks: parts, layer: l,
                              heads: c.headCount, kvHeads: c.headCountKV, headDim: c.headDim)
            }}}}
            layer.wo.apply(att, count: n, into: &h)
            Kernels.add(&x, h, count: n * dim)
            Kernels.rmsNorm(x, layer.ffnNorm.values, &h, count: n, width: dim, eps: c.normEpsilon)
            g.withUnsafeMutableBufferPointer { g in u.withUnsafeMutableBufferPointer { u in
                Matrix.apply([layer.gate, layer.up], h, count: n, into: [g.baseAddress!, u.baseAddress!])
            }}
            Kernels.swiGLU(&g, u, count: n * ff)
            layer.down.apply(g, count: n, into: &h)
            Kernels.add(&x, h, count: n * dim)
        }
        return OutputHead.logits(x, rows: batch.logitRows, width: dim, vocab: c.vocabSize, head: output) { src, dst, count in
            Kernels.rmsNorm(src, outputNorm.values, dst, count: count, width: dim, eps: c.normEpsilon)
        }
    }
}

/// The final norm and vocabulary projection, for the rows whose logits are wanted.
enum OutputHead {
    static func logits(_ x: [Float], rows: [[Int]], width: Int, vocab: Int, head: Matrix,
                       norm: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> [[Float]] {
        let wanted = rows.flatMap { $0 }
        guard !wanted.isEmpty else { return rows.map { _ in [] } }
        var selected = [Float](repeating: 0, count: wanted.count * width)
        for (i, r) in wanted.enumerated() {
            for j in 0..<width { selected[i * width + j] = x[r * width + j] }
        }
        var normed = [Float](repeating: 0, count: wanted.count * width)
        norm(selected, &normed, wanted.count)
        var all = [Float](repeating: 0, count: wanted.count * vocab)
        head.apply(normed, count: wanted.count, into: &all)
        var out: [[Float]] = []
        var next = 0
        for group in rows {
            out.append(Array(all[(next * vocab)..<((next + group.count) * vocab)]))
            next += group.count
        }
        return out
    }
}
