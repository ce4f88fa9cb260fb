import CKernels
import Foundation

/// How the activations enter the products with Q4_1 / Q8_0 weights.
public enum ActivationPrecision: String, Sendable, CaseIterable {
    /// Quantized to int8 per 32 values (llama.cpp's Q8_1 scheme) and multiplied with integer instructions
    /// (AVX-512 VNNI): the arithmetic llama.cpp uses for these weight types, several times faster.
    case int8
    /// Kept in f32: the exact product of the dequantized weights (the reference arithmetic).
    case f32

    /// int8 where the CPU has AVX-512 VNNI, f32 elsewhere (the portable int8 path is correct but slow);
    /// `TEXTNLP_ACTIVATIONS=int8|f32` overrides.
    public static let automatic: ActivationPrecision = {
        if let forced = ProcessInfo.processInfo.environment["TEXTNLP_ACTIVATIONS"], let value = ActivationPrecision(rawValue: forced) {
            return value
        }
        return tnlp_packed_simd() == 1 ? .int8 : .f32
    }()
}

/// Q4_1 / Q8_0 weights repacked for the int8 kernels; freed with the matrix.
final class PackedWeights: @unchecked Sendable {
    // Sendable: written once by tnlp_pack, read-only afterwards.
    let pointer: OpaquePointer

    init?(type: GGMLType, base: UnsafeRawPointer, rows: Int, columns: Int) {
        guard let p = tnlp_pack(type == .q4_1 ? 0 : 1, base, Int32(rows), Int32(columns)) else { return nil }
        pointer = p
    }

    deinit { tnlp_packed_free(pointer) }
}
