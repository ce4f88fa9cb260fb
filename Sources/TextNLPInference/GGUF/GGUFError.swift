import Foundation

/// Everything that can go wrong while opening or reading a GGUF file.
/// Each case names the file and says what is wrong, where.
public enum GGUFError: Error, LocalizedError, CustomStringConvertible, Equatable {
    public var description: String { errorDescription ?? "GGUF error" }

    case cannotOpen(path: String, reason: String)
    case notGGUF(path: String, magic: UInt32)
    case unsupportedVersion(path: String, version: UInt32)
    case truncated(path: String, offset: Int, needed: Int, what: String)
    case corrupt(path: String, offset: Int, reason: String)
    case unsupportedTensorType(path: String, tensor: String, type: UInt32)
    case missingMetadata(path: String, key: String)
    case wrongMetadataType(path: String, key: String, expected: String)
    case missingTensor(path: String, tensor: String)
    case wrongTensorShape(path: String, tensor: String, expected: [Int], actual: [Int])

    public var errorDescription: String? {
        switch self {
        case let .cannotOpen(path, reason):
            return "\(path): cannot open model file: \(reason)"
        case let .notGGUF(path, magic):
            return "\(path): not a GGUF file (magic 0x\(String(magic, radix: 16)) at offset 0, expected 0x46554747 'GGUF')"
        case let .unsupportedVersion(path, version):
            return "\(path): unsupported GGUF version \(version) (supported: 2, 3)"
        case let .truncated(path, offset, needed, what):
            return "\(path): file is truncated: \(what) needs \(needed) bytes at offset \(offset)"
        case let .corrupt(path, offset, reason):
            return "\(path): corrupt GGUF at offset \(offset): \(reason)"
        case let .unsupportedTensorType(path, tensor, type):
            let name = GGMLType(rawValue: type).map { "\($0)" } ?? "type id \(type)"
            return "\(path): tensor '\(tensor)' has unsupported type \(name) (supported: \(GGMLType.supportedNames))"
        case let .missingMetadata(path, key):
            return "\(path): missing metadata key '\(key)'"
        case let .wrongMetadataType(path, key, expected):
            return "\(path): metadata key '\(key)' is not \(expected)"
        case let .missingTensor(path, tensor):
            return "\(path): missing tensor '\(tensor)'"
        case let .wrongTensorShape(path, tensor, expected, actual):
            return "\(path): tensor '\(tensor)' has shape \(actual), expected \(expected)"
        }
    }
}
