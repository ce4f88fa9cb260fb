import Foundation
@testable import TextNLPInference

/// Writes small GGUF files byte by byte, to test how the reader treats good and broken input.
enum GGUFBuilder {
    struct Tensor { var name: String; var shape: [UInt64]; var type: UInt32; var data: [UInt8] }

    static func bytes(magic: UInt32 = 0x4655_4747, version: UInt32 = 3, metadata: [(String, GGUFValue)], tensors: [Tensor] = []) -> [UInt8] {
        var b: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
        func str(_ s: String) { u64(UInt64(s.utf8.count)); b += s.utf8 }
        func value(_ v: GGUFValue) {
            switch v {
            case .uint8(let x): b.append(x)
            case .int8(let x): b.append(UInt8(bitPattern: x))
            case .uint16(let x): withUnsafeBytes(of: x.littleEndian) { b += $0 }
            case .int16(let x): withUnsafeBytes(of: x.littleEndian) { b += $0 }
            case .uint32(let x): u32(x)
            case .int32(let x): u32(UInt32(bitPattern: x))
            case .uint64(let x): u64(x)
            case .int64(let x): u64(UInt64(bitPattern: x))
            case .float32(let x): u32(x.bitPattern)
            case .float64(let x): u64(x.bitPattern)
            case .bool(let x): b.append(x ? 1 : 0)
            case .string(let s): str(s)
            case .array(let t, let items): u32(t.rawValue); u64(UInt64(items.count)); items.forEach(value)
            }
        }
        func type(_ v: GGUFValue) -> UInt32 {
            switch v {
            case .uint8: 0
            case .int8: 1
            case .uint16: 2
            case .int16: 3
            case .uint32: 4
            case .int32: 5
            case .float32: 6
            case .bool: 7
            case .string: 8
            case .array: 9
            case .uint64: 10
            case .int64: 11
            case .float64: 12
            }
        }
        u32(magic)
        u32(version)
        u64(UInt64(tensors.count))
        u64(UInt64(metadata.count))
        for (k, v) in metadata { str(k); u32(type(v)); value(v) }
        var offset: UInt64 = 0
        for t in tensors {
            str(t.name)
            u32(UInt32(t.shape.count))
            t.shape.forEach(u64)
            u32(t.type)
            u64(offset)
            offset += UInt64((t.data.count + 31) / 32 * 32)
        }
        while b.count % 32 != 0 { b.append(0) }
        for t in tensors {
            b += t.data
            while b.count % 32 != 0 { b.append(0) }
        }
        return b
    }

    /// A file with only `general.architecture` and one small f32 tensor.
    static func file(architecture: String) throws -> String {
        try Support.temporaryFile(bytes(metadata: [("general.architecture", .string(architecture))],
                                        tensors: [Tensor(name: "t", shape: [4], type: 0, data: [UInt8](repeating: 0, count: 16))]))
    }
}
