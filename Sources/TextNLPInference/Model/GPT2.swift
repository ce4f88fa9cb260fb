// GPT-2 architecture, following llama.cpp's `build_gpt2` graph (src/models/gpt2.cpp):
// learned positions, LayerNorm with bias, fused QKV with bias, GELU MLP, tied output head.

struct GPT2Layer: Sendable {
    let attnNormW: Vector, attnNormB: Vector, ffnNormW: Vector, ffnNormB: Vector
    let qkv: Matrix, qkvBias: Vector       // (C + 2·kvDim, C), (C + 2·kvDim)
    let wo: Matrix, woBias: Vector
    let up: Matrix, upBias: Vector         // (F, C), (F)
    let down: Matrix, downBias: Vector     // (C, F), (C)

    init(_ f: GGUFFile, _ i: Int, _ c: ModelConfig, _ a: ActivationPrecision) throws {
        let p = "blk.\(i).", d = c.embeddingLength, ff = c.feedForwardLength
        attnNormW = try Vector(f, p + "attn_norm.weight", count: d)
        attnNormB = try Vector(f, p + "attn_norm.bias", count: d)
        ffnNormW = try Vector(f, p + "ffn_norm.weight", count: d)
        ffnNormB = try Vector(f, p + "ffn_norm.bias", count: d)
        qkv = try Matrix(f, p + "attn_qkv.weight", rows: d + 2 * c.kvDim, columns: d, activations: a)
        qkvBias = try Vector(f, p + "attn_qkv.bias", count: d + 2 * c.kvDim)
        wo = try Matrix(f, p + "attn_output.weight", rows: d, columns: d, activations: a)
        woBias = try Vector(f, p + "attn_output.bias", count: d)
        up = try Matrix(f, p + "ffn_up.weight", rows: ff, columns: d, activations: a)
        upBias = try Vector(f, p + "ffn_up.bias", count: ff)
        down = try Matrix(f, p + "ffn_down.weight", rows: d, columns: ff, activations: a)
        downBias = try Vector(f, p + "ffn_down.bias", count: d)
    }
}

public final class GPT2Model: LanguageModel {
    public let config: ModelConfig
    let embedding: Matrix      // (vocab, C)
    let positions: Matrix      // (context, C)
    let layers: [GPT2Layer]
    let outputNormW: Vector, outputNormB: Vector
    let output: Matrix

    init(_ file: GGUFFile, config c: ModelConfig, activations a: ActivationPrecision) throws {
        config = c
        let d = c.embeddingLength
        // Only a tied embedding is multiplied (as the output head); otherwise rows are just looked up.
        let tied = file.tensorsByName["output.weight"] == nil
        embedding = try Matrix(file, "token_embd.weight", rows: c.vocabSize, columns: d, activations: tied ? a : .f32)
        positions = try Matrix(file, "position_embd.weight", rows: c.contextLength, columns: d, activations: .f32)
        layers = try (0..<c.blockCount).map { try GPT2Layer(file, $0, c, a) }
        outputNormW = try Vector(file, "output_norm.weight", count: d)
        outputNormB = try Vector(file, "output_norm.bias", count: d)
        output = tied
            ? embedding
            : try Matrix(file, "output.weight", rows: c.vocabSize, columns: d, activations: a)
    }

    public func forward(_ chunks: [SequenceChunk], cache: KVCache) throws -> [[Float]] {
        let c = config
        let batch = try BatchLayout(chunks, config: c, cache: cache)
        let n = batch.tokens.count, dim = c.embeddingLength, ff = c.feedForwardLength, kvDim = c.kvDim
        let fused = dim + 2 * kvDim
        var x = [Float](repeating: 0, count: n * dim)          // residual stream (N, C)
        var h = [Float](repeating: 0, count: n * dim)
        var qkv = [Float](repeating: 0, count: n * fused)      // (N, C + 2·kvDim): q | k | v per row
        var q = [Float](repeating: 0, count: n * dim)
        var k = [Float](repeating: 0, count: n * kvDim), v = k
        var att = [Float](repeating: 0, count: n * dim)
        var u = [Float](repeating: 0, count: n * ff)
        var pos = [Float](repeating: 0, count: dim)
        for (i, t) in batch.tokens.enumerated() {
            x.withUnsafeMutableBufferPointer { embedding.copyRow(Int(t), into: $0.baseAddress! + i * dim) }
            positions.copyRow(batch.positions[i], into: &pos)
            for j in 0..<dim { x[i * dim + j] += pos[j] }
        }
        let sequences = try chunks.map { try cache.sequence($0.slot) }
        for (l, layer) in layers.enumerated() {
            Kernels.layerNorm(x, layer.attnNormW.values, layer.attnNormB.values, &h, count: n, width: dim, eps: c.normEpsilon)
            layer.qkv.apply(h, count: n, into: &qkv)
            Kernels.addBias(&qkv, layer.qkvBias.values, count: n)
            for i in 0..<n {
                for j in 0..<dim { q[i * dim + j] = qkv[i * fused + j] }
                for j in 0..<kvDim {
                    k[i * kvDim + j] = qkv[i * fused + dim + j]
                    v[i * kvDim + j] = qkv[i * fused + dim + kvDim + j]
                }
            }
            let parts = chunks.indices.map { Attention.Chunk(sequence: sequences[$0], row: batch.offsets[$0], count: chunks[$0].tokens.count, start: chunks[$0].start) }
            q.withUnsafeBufferPointer { q in k.withUnsafeBufferPointer { k in v.withUnsafeBufferPointer { v in
            att.withUnsafeMutableBufferPointer { att in
                Attention.run(q: q.baseAddress!, k: k.baseAddress!, v: v.baseAddress!, out: att.baseAddress!, chunks: parts, layer: l,
                              heads: c.headCount, kvHeads: c.headCountKV, headDim: c.headDim)
            }}}}
            layer.wo.apply(att, count: n, into: &h)
            Kernels.addBias(&h, layer.woBias.values, count: n)
            Kernels.add(&x, h, count: n * dim)
            Kernels.layerNorm(x, layer.ffnNormW.values, layer.ffnNormB.values, &h, count: n, width: dim, eps: c.normEpsilon)
            layer.up.apply(h, count: n, into: &u)
            Kernels.addBias(&u, layer.upBias.values, count: n)
            Kernels.gelu(&u, count: n * ff)
            layer.down.apply(u, count: n, into: &h)
            Kernels.addBias(&h, layer.downBias.values, count: n)
            Kernels.add(&x, h, count: n * dim)
        }
        return OutputHead.logits(x, rows: batch.logitRows, width: dim, vocab: c.vocabSize, head: output) { src, dst, count in
            Kernels.layerNorm(src, outputNormW.values, outputNormB.values, dst, count: count, width: dim, eps: c.normEpsilon)
        }
    }
}
