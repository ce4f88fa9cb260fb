/// Reads little-endian values from a memory-mapped GGUF file, throwing `GGUFError.truncated`
/// with the offset instead of reading past the end.
struct ByteCursor {
    let base: UnsafeRawPointer
    let count: Int
    let path: String
    var offset: Int = 0

    mutating func bytes(_ n: Int, _ what: String) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= count - offset else {
            throw GGUFError.truncated(path: path, offset: offset, needed: n, what: what)
        }
        let buffer = UnsafeRawBufferPointer(start: base + offset, count: n)
        offset += n
        return buffer
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        let raw = try bytes(MemoryLayout<T>.size, what)
        return T(littleEndian: raw.loadUnaligned(as: T.self))
    }

    mutating func readFloat(_ what: String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what))
    }

    mutating func readDouble(_ what: String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what))
    }

    /// A GGUF string: u64 length, then UTF-8 bytes (invalid sequences are repaired, not trusted).
    mutating func readString(_ what: String) throws -> String {
        let start = offset
        let length = try read(UInt64.self, what + " length")
        guard length <= UInt64(count - offset) else {
            throw GGUFError.truncated(path: path, offset: start, needed: Int(clamping: length), what: what)
        }
        let raw = try bytes(Int(length), what)
        return String(decoding: raw, as: UTF8.self)
    }
}
