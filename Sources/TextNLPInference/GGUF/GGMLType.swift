/// Tensor element types of ggml that textnlp can read.
/// Layouts follow ggml's `ggml-common.h` (block structs) and `ggml-quants.c` (dequantisation).
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q8_0 = 8
    case q4_K = 12
    case q6_K = 14
    case bf16 = 30

    /// Elements per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q8_0: 32
        case .q4_K, .q6_K: 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 18   // d: f16, qs: 16 bytes
        case .q4_1: 20   // d, m: f16, qs: 16 bytes
        case .q8_0: 34   // d: f16, qs: 32 × i8
        case .q4_K: 144  // d, dmin: f16, scales: 12 bytes, qs: 128 bytes
        case .q6_K: 210  // ql: 128, qh: 64, scales: 16 × i8, d: f16
        }
    }

    /// Bytes taken by `count` elements, or nil when `count` is not a whole number of blocks.
    public func byteCount(elements count: Int) -> Int? {
        guard count % blockSize == 0 else { return nil }
        let (bytes, overflow) = (count / blockSize).multipliedReportingOverflow(by: blockBytes)
        return overflow ? nil : bytes
    }

    public var description: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .bf16: "BF16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q8_0: "Q8_0"
        case .q4_K: "Q4_K"
        case .q6_K: "Q6_K"
        }
    }

    static var supportedNames: String { allCases.map(\.description).joined(separator: ", ") }
}
