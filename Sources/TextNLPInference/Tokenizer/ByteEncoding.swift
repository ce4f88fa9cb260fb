/// GPT-2's reversible map between bytes and printable unicode characters (`bytes_to_unicode`),
/// which byte-level BPE vocabularies store their token texts in.
enum ByteEncoding {
    /// `encode[b]` is the character that stands for byte `b`.
    static let encode: [Character] = {
        var table = [Character](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable {
                table[b] = Character(Unicode.Scalar(UInt8(b)))
            } else {
                table[b] = Character(Unicode.Scalar(next)!)  // 256...323 are all valid scalars
                next += 1
            }
        }
        return table
    }()

    /// Scalar value → byte, for decoding.
    static let decode: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, ch) in encode.enumerated() { map[ch.unicodeScalars.first!.value] = UInt8(b) }
        return map
    }()

    /// The byte-encoded form of UTF-8 bytes.
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = ""
        for b in bytes { s.append(encode[Int(b)]) }
        return s
    }

    /// Bytes of a byte-encoded token text; characters outside the map are passed through as UTF-8.
    static func decode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let b = decode[scalar.value] {
                out.append(b)
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        return out
    }
}
