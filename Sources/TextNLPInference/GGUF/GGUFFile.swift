/// One tensor of a GGUF file: its name, type, shape (ggml order: `shape[0]` is the row length)
/// and where its data lies in the mapping.
public struct GGUFTensorInfo: Sendable {
    public let name: String
    public let type: GGMLType
    public let shape: [Int]
    public let offset: Int      // absolute offset in the file
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
    /// Length of one row (the innermost dimension).
    public var rowLength: Int { shape.first ?? 1 }
    public var rowCount: Int { elementCount / max(rowLength, 1) }
}

/// A parsed, memory-mapped GGUF file (versions 2 and 3).
/// Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
public final class GGUFFile: Sendable {
    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    public let tensors: [GGUFTensorInfo]
    public let tensorsByName: [String: GGUFTensorInfo]
    public let alignment: Int
    public let mapping: MappedFile

    public convenience init(path: String) throws {
        try self.init(mapping: MappedFile(path: path))
    }

    public init(mapping: MappedFile) throws {
        let path = mapping.path
        self.path = path
        self.mapping = mapping
        var cursor = ByteCursor(base: mapping.base, count: mapping.count, path: path)
        let magic = try cursor.read(UInt32.self, "magic")
        guard magic == 0x4655_4747 else { throw GGUFError.notGGUF(path: path, magic: magic) }
        version = try cursor.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            throw GGUFError.unsupportedVersion(path: path, version: version)
        }
        let tensorCount = try cursor.read(UInt64.self, "tensor count")
        let kvCount = try cursor.read(UInt64.self, "metadata count")
        // Every entry takes at least 8 bytes, which bounds both counts by the file size.
        guard tensorCount <= UInt64(mapping.count / 8), kvCount <= UInt64(mapping.count / 8) else {
            throw GGUFError.corrupt(path: path, offset: 8, reason: "implausible counts: \(tensorCount) tensors, \(kvCount) metadata entries")
        }

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        for index in 0..<Int(kvCount) {
            let key = try cursor.readString("metadata key #\(index)")
            let typeOffset = cursor.offset
            let rawType = try cursor.read(UInt32.self, "type of '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw GGUFError.corrupt(path: path, offset: typeOffset, reason: "metadata '\(key)' has unknown value type \(rawType)")
            }
            metadata[key] = try Self.readValue(type, &cursor, key: key)
            keys.append(key)
        }
        self.metadata = metadata
        metadataKeys = keys

        let alignment = metadata["general.alignment"]?.intValue ?? 32
        guard alignment > 0, alignment.nonzeroBitCount == 1 else {
            throw GGUFError.corrupt(path: path, offset: 0, reason: "general.alignment \(alignment) is not a power of two")
        }
        self.alignment = alignment

        var raw: [(String, UInt32, [Int], UInt64, Int)] = []
        for index in 0..<Int(tensorCount) {
            let infoOffset = cursor.offset
            let name = try cursor.readString("tensor name #\(index)")
            let dims = try cursor.read(UInt32.self, "dimension count of '\(name)'")
            guard dims >= 1, dims <= 4 else {
                throw GGUFError.corrupt(path: path, offset: infoOffset, reason: "tensor '\(name)' has \(dims) dimensions")
            }
            var shape: [Int] = []
            for _ in 0..<dims {
                let d = try cursor.read(UInt64.self, "shape of '\(name)'")
                guard d >= 1, d < 1 << 40 else {
                    throw GGUFError.corrupt(path: path, offset: infoOffset, reason: "tensor '\(name)' has dimension \(d)")
                }
                shape.append(Int(d))
            }
            let type = try cursor.read(UInt32.self, "type of '\(name)'")
            let offset = try cursor.read(UInt64.self, "offset of '\(name)'")
            raw.append((name, type, shape, offset, infoOffset))
        }
        let dataStart = (cursor.offset + alignment - 1) / alignment * alignment

        var tensors: [GGUFTensorInfo] = []
        var byName: [String: GGUFTensorInfo] = [:]
        for (name, rawType, shape, relative, infoOffset) in raw {
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError.unsupportedTensorType(path: path, tensor: name, type: rawType)
            }
            let (elements, overflow) = shape.reduce((1, false)) { acc, d in
                let r = acc.0.multipliedReportingOverflow(by: d)
                return (r.partialValue, acc.1 || r.overflow)
            }
            guard !overflow, let bytes = type.byteCount(elements: elements), shape[0] % type.blockSize == 0 else {
                throw GGUFError.corrupt(path: path, offset: infoOffset, reason: "tensor '\(name)' of type \(type) has shape \(shape), not a whole number of \(type.blockSize)-element blocks per row")
            }
            guard relative % UInt64(alignment) == 0, relative < UInt64(mapping.count) else {
                throw GGUFError.corrupt(path: path, offset: infoOffset, reason: "tensor '\(name)' has bad data offset \(relative)")
            }
            let absolute = dataStart + Int(relative)
            guard absolute <= mapping.count, bytes <= mapping.count - absolute else {
                throw GGUFError.truncated(path: path, offset: absolute, needed: bytes, what: "data of tensor '\(name)'")
            }
            guard byName[name] == nil else {
                throw GGUFError.corrupt(path: path, offset: infoOffset, reason: "duplicate tensor name '\(name)'")
            }
            let info = GGUFTensorInfo(name: name, type: type, shape: shape, offset: absolute, byteCount: bytes)
            tensors.append(info)
            byName[name] = info
        }
        self.tensors = tensors
        tensorsByName = byName
    }

    private static func readValue(_ type: GGUFValueType, _ c: inout ByteCursor, key: String) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try c.read(UInt8.self, key))
        case .int8: return .int8(try c.read(Int8.self, key))
        case .uint16: return .uint16(try c.read(UInt16.self, key))
        case .int16: return .int16(try c.read(Int16.self, key))
        case .uint32: return .uint32(try c.read(UInt32.self, key))
        case .int32: return .int32(try c.read(Int32.self, key))
        case .uint64: return .uint64(try c.read(UInt64.self, key))
        case .int64: return .int64(try c.read(Int64.self, key))
        case .float32: return .float32(try c.readFloat(key))
        case .float64: return .float64(try c.readDouble(key))
        case .bool:
            let at = c.offset
            let b = try c.read(UInt8.self, key)
            guard b <= 1 else { throw GGUFError.corrupt(path: c.path, offset: at, reason: "metadata '\(key)' has bool value \(b)") }
            return .bool(b == 1)
        case .string: return .string(try c.readString(key))
        case .array:
            let at = c.offset
            let rawElement = try c.read(UInt32.self, "element type of '\(key)'")
            guard let element = GGUFValueType(rawValue: rawElement) else {
                throw GGUFError.corrupt(path: c.path, offset: at, reason: "array '\(key)' has unknown element type \(rawElement)")
            }
            let n = try c.read(UInt64.self, "length of '\(key)'")
            guard n <= UInt64(c.count - c.offset) else {
                throw GGUFError.truncated(path: c.path, offset: at, needed: Int(clamping: n), what: "array '\(key)'")
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(n))
            for _ in 0..<Int(n) { items.append(try readValue(element, &c, key: key)) }
            return .array(element, items)
        }
    }

    // MARK: - Typed metadata access

    public func string(_ key: String) throws -> String {
        guard let v = metadata[key] else { throw GGUFError.missingMetadata(path: path, key: key) }
        guard let s = v.stringValue else { throw GGUFError.wrongMetadataType(path: path, key: key, expected: "a string") }
        return s
    }

    public func int(_ key: String) throws -> Int {
        guard let v = metadata[key] else { throw GGUFError.missingMetadata(path: path, key: key) }
        guard let i = v.intValue else { throw GGUFError.wrongMetadataType(path: path, key: key, expected: "an integer") }
        return i
    }

    public func float(_ key: String) throws -> Float {
        guard let v = metadata[key] else { throw GGUFError.missingMetadata(path: path, key: key) }
        guard let d = v.doubleValue else { throw GGUFError.wrongMetadataType(path: path, key: key, expected: "a number") }
        return Float(d)
    }

    public func optionalInt(_ key: String) throws -> Int? {
        metadata[key] == nil ? nil : try int(key)
    }

    public func optionalFloat(_ key: String) throws -> Float? {
        metadata[key] == nil ? nil : try float(key)
    }

    public func optionalBool(_ key: String) throws -> Bool? {
        guard let v = metadata[key] else { return nil }
        guard let b = v.boolValue else { throw GGUFError.wrongMetadataType(path: path, key: key, expected: "a bool") }
        return b
    }

    public func stringArray(_ key: String) throws -> [String] {
        guard let v = metadata[key] else { throw GGUFError.missingMetadata(path: path, key: key) }
        guard let items = v.arrayValue else { throw GGUFError.wrongMetadataType(path: path, key: key, expected: "an array of strings") }
        return try items.map {
            guard let s = $0.stringValue else { throw GGUFError.wrongMetadataType(path: path, key: key, expected: "an array of strings") }
            return s
        }
    }

    public func intArray(_ key: String) throws -> [Int] {
        guard let v = metadata[key] else { throw GGUFError.missingMetadata(path: path, key: key) }
        guard let items = v.arrayValue else { throw GGUFError.wrongMetadataType(path: path, key: key, expected: "an array of integers") }
        return try items.map {
            guard let i = $0.intValue else { throw GGUFError.wrongMetadataType(path: path, key: key, expected: "an array of integers") }
            return i
        }
    }

    /// The tensor called `name`, or a `missingTensor` error.
    public func tensor(_ name: String) throws -> GGUFTensorInfo {
        guard let t = tensorsByName[name] else { throw GGUFError.missingTensor(path: path, tensor: name) }
        return t
    }

    /// Raw bytes of a tensor's data.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mapping.base + tensor.offset, count: tensor.byteCount)
    }
}
