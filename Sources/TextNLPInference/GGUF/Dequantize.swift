/// Dequantisation of ggml blocks to f32, one row at a time.
/// Each function follows the matching `dequantize_row_*` of ggml's `ggml-quants.c`.
public enum Dequantize {
    /// Converts `count` elements of `type` at `src` into `dst`. `count` must be a multiple of the block size.
    public static func row(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        switch type {
        case .f32: dst.update(from: src.assumingMemoryBound(to: Float.self), count: count)
        case .f16: for i in 0..<count { dst[i] = f16(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bf16:
            for i in 0..<count {
                dst[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        case .q4_0: blocks(count, 32, 18, src, dst, q4_0)
        case .q4_1: blocks(count, 32, 20, src, dst, q4_1)
        case .q8_0: blocks(count, 32, 34, src, dst, q8_0)
        case .q4_K: blocks(count, 256, 144, src, dst, q4_K)
        case .q6_K: blocks(count, 256, 210, src, dst, q6_K)
        }
    }

    /// A whole tensor as f32.
    public static func tensor(_ info: GGUFTensorInfo, in file: GGUFFile) -> [Float] {
        [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, initialized in
            if let base = buffer.baseAddress {
                row(info.type, file.mapping.base + info.offset, base, count: info.elementCount)
            }
            initialized = info.elementCount
        }
    }

    @inline(__always)
    static func f16(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }

    @inline(__always)
    private static func blocks(
        _ count: Int, _ size: Int, _ bytes: Int, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>,
        _ body: (UnsafeRawPointer, UnsafeMutablePointer<Float>) -> Void
    ) {
        for b in 0..<(count / size) { body(src + b * bytes, dst + b * size) }
    }

    // block_q4_0 { ggml_half d; uint8_t qs[16]; }: x = (nibble - 8) * d; low nibbles are elements 0..15.
    static func q4_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = f16(b.loadUnaligned(as: UInt16.self))
        let qs = (b + 2).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = Float(Int(qs[j] & 0x0F) - 8) * d
            y[j + 16] = Float(Int(qs[j] >> 4) - 8) * d
        }
    }

    // block_q4_1 { ggml_half d, m; uint8_t qs[16]; }: x = nibble * d + m.
    static func q4_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = f16(b.loadUnaligned(as: UInt16.self))
        let m = f16(b.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
        let qs = (b + 4).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = Float(qs[j] & 0x0F) * d + m
            y[j + 16] = Float(qs[j] >> 4) * d + m
        }
    }

    // block_q8_0 { ggml_half d; int8_t qs[32]; }: x = q * d.
    static func q8_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = f16(b.loadUnaligned(as: UInt16.self))
        let qs = (b + 2).assumingMemoryBound(to: Int8.self)
        for j in 0..<32 { y[j] = Float(qs[j]) * d }
    }

    // 6-bit scale and min number j of a Q4_K super-block (ggml's get_scale_min_k4).
    @inline(__always)
    static func scaleMinK4(_ j: Int, _ q: UnsafePointer<UInt8>) -> (Float, Float) {
        if j < 4 { return (Float(q[j] & 63), Float(q[j + 4] & 63)) }
        let d = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4)
        let m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4)
        return (Float(d), Float(m))
    }

    // block_q4_K { ggml_half d, dmin; uint8_t scales[12]; uint8_t qs[128]; }: 8 sub-blocks of 32.
    static func q4_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = f16(b.loadUnaligned(as: UInt16.self))
        let dmin = f16(b.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
        let scales = (b + 4).assumingMemoryBound(to: UInt8.self)
        var q = (b + 16).assumingMemoryBound(to: UInt8.self)
        var out = y
        var sub = 0
        for _ in stride(from: 0, to: 256, by: 64) {
            let (sc1, m1) = scaleMinK4(sub, scales)
            let (sc2, m2) = scaleMinK4(sub + 1, scales)
            let d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2
            for l in 0..<32 { out[l] = d1 * Float(q[l] & 0x0F) - min1 }
            for l in 0..<32 { out[32 + l] = d2 * Float(q[l] >> 4) - min2 }
            out += 64
            q += 32
            sub += 2
        }
    }

    // block_q6_K { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; ggml_half d; }.
    static func q6_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        var ql = b.assumingMemoryBound(to: UInt8.self)
        var qh = (b + 128).assumingMemoryBound(to: UInt8.self)
        var sc = (b + 192).assumingMemoryBound(to: Int8.self)
        let d = f16(b.loadUnaligned(fromByteOffset: 208, as: UInt16.self))
        var out = y
        for _ in 0..<2 {
            for l in 0..<32 {
                let s = l / 16
                let q1 = Int((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32
                let q2 = Int((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32
                let q3 = Int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32
                let q4 = Int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32
                out[l] = d * Float(sc[s]) * Float(q1)
                out[l + 32] = d * Float(sc[s + 2]) * Float(q2)
                out[l + 64] = d * Float(sc[s + 4]) * Float(q3)
                out[l + 96] = d * Float(sc[s + 6]) * Float(q4)
            }
            out += 128
            ql += 64
            qh += 32
            sc += 8
        }
    }
}
