import CKernels
import Foundation
import Testing
@testable import TextNLPInference

/// The int8 (AVX-512 VNNI) products against their portable reference, bit for bit, and against the exact
/// f32 product of the dequantized weights within the error of 8-bit activations.
struct Int8KernelTests {
    static func matrix(_ name: String) throws -> Matrix {
        let file = try GGUFFile(path: Support.smolLM2Path)
        let info = try file.tensor(name)
        return try Matrix(file, name, rows: info.shape[1], columns: info.shape[0], quantized: true, activations: .int8)
    }

    /// Activations shaped like a transformer's: mostly small, a few large outliers per token.
    static func activations(_ count: Int, columns: Int, seed: UInt64) -> [Float] {
        var x = KernelTests.random(count * columns, seed: seed)
        for t in 0..<count { x[t * columns + (t * 37) % columns] = 9 + Float(t) }
        return x
    }

    @Test(arguments: ["blk.0.ffn_down.weight", "blk.3.attn_q.weight", "blk.5.attn_k.weight", "token_embd.weight"])
    func simdKernelEqualsThePortableReference(name: String) throws {
        let m = try Self.matrix(name)
        #expect(m.activations == .int8)
        for count in [1, 7, 17] {
            let x = Self.activations(count, columns: m.columns, seed: UInt64(count))
            var fast = [Float](repeating: 0, count: count * m.rows), slow = fast
            m.apply(x, count: count, into: &fast)
            #expect(m.applyInt8Reference(x, count: count, into: &slow) == true)
            let differing = zip(fast, slow).filter { $0 != $1 }.count
            #expect(differing == 0, "\(name), \(count) tokens: \(differing) outputs differ from the reference")
        }
    }

    @Test(arguments: ["blk.0.ffn_down.weight", "blk.3.attn_q.weight", "token_embd.weight"])
    func int8ProductIsCloseToTheExactOne(name: String) throws {
        let m = try Self.matrix(name)
        let rows = min(m.rows, 512), count = 5
        let x = Self.activations(count, columns: m.columns, seed: 3)
        var fast = [Float](repeating: 0, count: count * m.rows)
        m.apply(x, count: count, into: &fast)
        let w = m.dequantized
        var worst: Float = 0, largest: Float = 0
        for t in 0..<count {
            for r in 0..<rows {
                var sum: Float = 0
                for c in 0..<m.columns { sum += w[r * m.columns + c] * x[t * m.columns + c] }
                worst = max(worst, abs(sum - fast[t * m.rows + r]))
                largest = max(largest, abs(sum))
            }
        }
        // 8-bit activations: each block's values are off by at most half a step (max|x| / 254).
        #expect(worst < 0.01 * largest, "\(name): largest difference \(worst), largest output \(largest)")
        #expect(worst > 0, "the int8 product should not be the exact one")
    }

    @Test func aTokensOutputsAreTheSameAloneAndInAnyBatch() throws {
        let m = try Self.matrix("blk.2.ffn_gate.weight")
        let count = 19
        let x = Self.activations(count, columns: m.columns, seed: 5)
        var batch = [Float](repeating: 0, count: count * m.rows)
        m.apply(x, count: count, into: &batch)
        for t in [0, 8, 18] {
            var alone = [Float](repeating: 0, count: m.rows)
            x.withUnsafeBufferPointer { m.apply($0.baseAddress! + t * m.columns, count: 1, into: &alone) }
            #expect(Array(batch[(t * m.rows)..<((t + 1) * m.rows)]) == alone)
        }
    }

    @Test func columnsThatAreNotWholeBlocksAreNotPacked() {
        let bytes = [UInt8](repeating: 0, count: 34 * 16 * 2)
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress!
            #expect(PackedWeights(type: .q8_0, base: base, rows: 16, columns: 48) == nil)   // columns not a multiple of 32
            #expect(PackedWeights(type: .q8_0, base: base, rows: 16, columns: 64) != nil)
        }
    }

    /// Rows that do not fill the last panel of 16 (GPT-2's 50,257-token vocabulary): the padded rows are not
    /// written, the real ones equal the reference.
    @Test func aPartialLastPanelWritesOnlyItsRows() throws {
        let file = try GGUFFile(path: Support.smolLM2Path)
        let info = try file.tensor("blk.1.attn_output.weight")
        let rows = 37, columns = info.shape[0]
        let m = try Matrix(file, "blk.1.attn_output.weight", rows: info.shape[1], columns: columns, quantized: true, activations: .int8)
        guard case .packed(_, let type, let base, _) = m.storage, let partial = PackedWeights(type: type, base: base, rows: rows, columns: columns) else {
            Issue.record("not packed")
            return
        }
        let x = Self.activations(9, columns: columns, seed: 8)
        // One more row of output space than needed, filled with a sentinel that must survive.
        var fast = [Float](repeating: -7, count: 9 * rows + 1), slow = fast
        _ = x.withUnsafeBufferPointer { tnlp_matmul_packed(partial.pointer, $0.baseAddress!, 9, &fast, 1) }
        _ = x.withUnsafeBufferPointer { tnlp_matmul_packed_reference(partial.pointer, $0.baseAddress!, 9, &slow) }
        #expect(fast == slow)
        #expect(fast[9 * rows] == -7)
        // The first 37 rows of the full matrix give the same outputs.
        var full = [Float](repeating: 0, count: 9 * m.rows)
        m.apply(x, count: 9, into: &full)
        for t in 0..<9 { #expect(Array(full[(t * m.rows)..<(t * m.rows + rows)]) == Array(fast[(t * rows)..<((t + 1) * rows)])) }
    }

    /// q, k, v (and gate, up) in one call: the input quantized once, the panels of all three split together;
    /// every output is what each product gives alone. Matrices of different widths fall back to one call each.
    @Test func productsSharingTheirInputEqualTheProductsAlone() throws {
        let q = try Self.matrix("blk.4.attn_q.weight"), k = try Self.matrix("blk.4.attn_k.weight"), v = try Self.matrix("blk.4.attn_v.weight")
        let down = try Self.matrix("blk.4.ffn_down.weight")
        let count = 11
        let x = Self.activations(count, columns: q.columns, seed: 12)
        let alone = [q, k, v].map { m in
            var y = [Float](repeating: .nan, count: count * m.rows)
            m.apply(x, count: count, into: &y)
            return y
        }
        var yq = [Float](repeating: .nan, count: count * q.rows), yk = [Float](repeating: .nan, count: count * k.rows)
        var yv = yk
        yq.withUnsafeMutableBufferPointer { a in yk.withUnsafeMutableBufferPointer { b in yv.withUnsafeMutableBufferPointer { c in
            Matrix.apply([q, k, v], x, count: count, into: [a.baseAddress!, b.baseAddress!, c.baseAddress!])
        }}}
        #expect([yq, yk, yv] == alone)
        // Different widths: tnlp_matmul_packed_many refuses, Matrix.apply does them one by one.
        var y1 = [Float](repeating: 0, count: count * q.rows), y2 = [Float](repeating: 0, count: count * down.rows)
        let wide = Self.activations(count, columns: down.columns, seed: 13)
        #expect(down.columns != q.columns)
        y1.withUnsafeMutableBufferPointer { a in y2.withUnsafeMutableBufferPointer { b in
            Matrix.apply([q], x, count: count, into: [a.baseAddress!])
            Matrix.apply([down], wide, count: count, into: [b.baseAddress!])
        }}
        #expect(y1 == alone[0])
        guard case .packed(let pq, _, _, _) = q.storage, case .packed(let pd, _, _, _) = down.storage else {
            Issue.record("not packed")
            return
        }
        let ps: [OpaquePointer?] = [pq.pointer, pd.pointer]
        var ys: [UnsafeMutablePointer<Float>?] = [nil, nil]
        #expect(tnlp_matmul_packed_many(ps, &ys, 2, x, Int32(count), 1) == -2)
    }
}
