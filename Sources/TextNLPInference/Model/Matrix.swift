import CBLAS

/// A weight matrix of `rows` output features by `columns` input features, row-major f32
/// (ggml's layout: a tensor of shape [columns, rows]).
public struct Matrix: Sendable {
    public let rows: Int
    public let columns: Int
    public let values: [Float]

    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "matrix storage does not match its shape")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The tensor `name` of `file`, dequantised, checked to be `rows` × `columns`.
    public init(_ file: GGUFFile, _ name: String, rows: Int, columns: Int) throws {
        let info = try file.tensor(name)
        guard info.shape == [columns, rows] else {
            throw GGUFError.wrongTensorShape(path: file.path, tensor: name, expected: [columns, rows], actual: info.shape)
        }
        self.init(rows: rows, columns: columns, values: Dequantize.tensor(info, in: file))
    }

    /// y = x · Wᵀ for `count` input rows: x (count, columns) → y (count, rows), through OpenBLAS.
    public func apply(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) {
        values.withUnsafeBufferPointer { w in
            if count == 1 {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, w.baseAddress, Int32(columns),
                            x, 1, 0, y, 1)
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(rows), Int32(columns), 1,
                            x, Int32(columns), w.baseAddress, Int32(columns), 0, y, Int32(rows))
            }
        }
    }

    /// The naive reference for `apply`: one dot product per output, accumulated in order.
    public func applyNaive(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) {
        values.withUnsafeBufferPointer { w in
            for t in 0..<count {
                for r in 0..<rows {
                    var sum: Float = 0
                    for c in 0..<columns { sum += w[r * columns + c] * x[t * columns + c] }
                    y[t * rows + r] = sum
                }
            }
        }
    }

    /// Row `index` (for embedding lookups).
    public func copyRow(_ index: Int, into y: UnsafeMutablePointer<Float>) {
        values.withUnsafeBufferPointer { w in
            y.update(from: w.baseAddress! + index * columns, count: columns)
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
