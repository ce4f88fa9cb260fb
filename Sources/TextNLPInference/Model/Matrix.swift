import CBLAS
import CKernels
import Foundation

/// A weight matrix of `rows` output features by `columns` input features, row-major
/// (ggml's layout: a tensor of shape [columns, rows]). Q4_1 and Q8_0 weights stay quantized in the
/// memory-mapped file and are multiplied by SIMD kernels; other types are dequantized to f32 for OpenBLAS.
public struct Matrix: @unchecked Sendable {
    // Sendable: the storage is immutable (an array, or read-only mapped memory kept alive by `file`).
    public let rows: Int
    public let columns: Int

    enum Storage {
        case f32([Float])
        case quantized(GGMLType, UnsafeRawPointer, MappedFile)
        /// Also repacked for int8 products; the mapped original serves row lookups and references.
        case packed(PackedWeights, GGMLType, UnsafeRawPointer, MappedFile)
    }

    let storage: Storage

    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "matrix storage does not match its shape")
        self.rows = rows
        self.columns = columns
        storage = .f32(values)
    }

    /// `TEXTNLP_WEIGHTS=f32` dequantizes every weight to f32 (the arithmetic of an f32 model, through OpenBLAS).
    public static let keepQuantized = ProcessInfo.processInfo.environment["TEXTNLP_WEIGHTS"] != "f32"

    /// The tensor `name` of `file`, checked to be `rows` × `columns`.
    public init(_ file: GGUFFile, _ name: String, rows: Int, columns: Int, quantized: Bool = Matrix.keepQuantized,
                activations: ActivationPrecision = .automatic) throws {
        let info = try file.tensor(name)
        guard info.shape == [columns, rows] else {
            throw GGUFError.wrongTensorShape(path: file.path, tensor: name, expected: [columns, rows], actual: info.shape)
        }
        self.rows = rows
        self.columns = columns
        if quantized && (info.type == .q4_1 || info.type == .q8_0) {
            let base = file.mapping.base + info.offset
            if activations == .int8, let packed = PackedWeights(type: info.type, base: base, rows: rows, columns: columns) {
                storage = .packed(packed, info.type, base, file.mapping)
            } else {
                storage = .quantized(info.type, base, file.mapping)
            }
        } else {
            storage = .f32(Dequantize.tensor(info, in: file))
        }
    }

    /// All weights as f32 (for references and tests).
    public var dequantized: [Float] {
        switch storage {
        case .f32(let v): return v
        case .quantized(let type, let base, _), .packed(_, let type, let base, _):
            return [Float](unsafeUninitializedCapacity: rows * columns) { buffer, n in
                if let out = buffer.baseAddress { Dequantize.row(type, base, out, count: rows * columns) }
                n = rows * columns
            }
        }
    }

    /// y = x · Wᵀ for `count` input rows: x (count, columns) → y (count, rows).
    public func apply(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) {
        switch storage {
        case .f32(let values):
            values.withUnsafeBufferPointer { w in
                if count == 1 {
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, w.baseAddress, Int32(columns),
                                x, 1, 0, y, 1)
                } else {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(rows), Int32(columns), 1,
                                x, Int32(columns), w.baseAddress, Int32(columns), 0, y, Int32(rows))
                }
            }
        case .packed(let packed, let type, let base, _):
            if tnlp_matmul_packed(packed.pointer, x, Int32(count), y, Matrix.parallelThreshold) != 0 {
                // Out of memory for the quantized activations: the f32 products (close, not bit-identical).
                tnlp_matmul(type == .q4_1 ? 0 : 1, base, Int32(rows), Int32(columns), x, Int32(count), y, Matrix.parallelThreshold)
            }
        case .quantized(let type, let base, _):
            tnlp_matmul(type == .q4_1 ? 0 : 1, base, Int32(rows), Int32(columns), x, Int32(count), y, Matrix.parallelThreshold)
        }
    }

    /// y_m = x · W_mᵀ for several matrices with the same input (q, k, v; gate, up): with int8 kernels the input
    /// is quantized once and all the matrices' rows are split over the cores together. Each output equals
    /// what `apply` gives.
    static func apply(_ matrices: [Matrix], _ x: UnsafePointer<Float>, count: Int, into outputs: [UnsafeMutablePointer<Float>]) {
        let packed = matrices.compactMap { m -> OpaquePointer? in
            if case .packed(let p, _, _, _) = m.storage { return p.pointer }
            return nil
        }
        if packed.count == matrices.count {
            let done = withExtendedLifetime(matrices) {
                packed.map { Optional($0) }.withUnsafeBufferPointer { ps in
                    outputs.map { Optional($0) }.withUnsafeBufferPointer { ys in
                        tnlp_matmul_packed_many(ps.baseAddress, ys.baseAddress, Int32(packed.count), x, Int32(count), parallelThreshold)
                    }
                }
            }
            if done == 0 { return }
        }
        for (m, y) in zip(matrices, outputs) { m.apply(x, count: count, into: y) }
    }

    /// Multiply-adds from which a product is split over the cores (a persistent pool: starting it costs
    /// microseconds). `TEXTNLP_PARALLEL_MIN` overrides it.
    static let parallelThreshold: Int = Int(ProcessInfo.processInfo.environment["TEXTNLP_PARALLEL_MIN"] ?? "") ?? (1 << 16)

    /// The naive reference for `apply`: dequantized weights, one dot product per output, accumulated in order.
    public func applyNaive(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) {
        let w = dequantized
        for t in 0..<count {
            for r in 0..<rows {
                var sum: Float = 0
                for c in 0..<columns { sum += w[r * columns + c] * x[t * columns + c] }
                y[t * rows + r] = sum
            }
        }
    }

    /// Whether products use the int8 kernels.
    public var activations: ActivationPrecision {
        if case .packed = storage { return .int8 }
        return .f32
    }

    /// The portable reference of the int8 products (the same arithmetic, one output at a time); nil when the
    /// matrix does not use them.
    func applyInt8Reference(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) -> Bool? {
        guard case .packed(let packed, _, _, _) = storage else { return nil }
        return tnlp_matmul_packed_reference(packed.pointer, x, Int32(count), y) == 0
    }

    /// Row `index` as f32 (for embedding lookups).
    public func copyRow(_ index: Int, into y: UnsafeMutablePointer<Float>) {
        switch storage {
        case .f32(let values):
            values.withUnsafeBufferPointer { w in y.update(from: w.baseAddress! + index * columns, count: columns) }
        case .quantized(let type, let base, _), .packed(_, let type, let base, _):
            let rowBytes = type.byteCount(elements: columns) ?? 0
            Dequantize.row(type, base + index * rowBytes, y, count: columns)
        }
    }
}

/// A bias or norm weight vector.
public struct Vector: Sendable {
    public let values: [Float]

    public init(_ file: GGUFFile, _ name: String, count: Int) throws {
        let info = try file.tensor(name)
        guard info.shape == [count] else {
            throw GGUFError.wrongTensorShape(path: file.path, tensor: name, expected: [count], actual: info.shape)
        }
        values = Dequantize.tensor(info, in: file)
    }
}
