/// The classes of a code point that the pre-tokenizers' regular expressions test
/// (`\p{L}`, `\p{N}`, `\s`), from Swift's Unicode tables.
struct CodepointClass: OptionSet {
    let rawValue: UInt8
    static let letter = CodepointClass(rawValue: 1)
    static let number = CodepointClass(rawValue: 2)
    static let whitespace = CodepointClass(rawValue: 4)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(_ scalar: Unicode.Scalar) {
        var c: CodepointClass = []
        if scalar.value < 128 {
            let v = scalar.value
            if (v >= 65 && v <= 90) || (v >= 97 && v <= 122) { c.insert(.letter) }
            if v >= 48 && v <= 57 { c.insert(.number) }
            if v == 32 || (v >= 9 && v <= 13) { c.insert(.whitespace) }
            self = c
            return
        }
        let p = scalar.properties
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            c.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            c.insert(.number)
        default:
            break
        }
        if p.isWhitespace { c.insert(.whitespace) }
        self = c
    }
}
