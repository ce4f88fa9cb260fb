import Foundation
import Testing
@testable import TextNLPPipeline

struct JSONTests {
    @Test func parsesWhatFoundationParsesAndWritesItBack() throws {
        let documents = [
            #"{"a":1,"b":[true,false,null],"c":{"d":"e\u00e9\ud83d\ude80"},"f":-0.5,"g":1e3,"h":""}"#,
            #"[1,2.25,"x\n\t\"y\\",{"z":[]}]"#,
            #"{"nested":{"deep":{"deeper":[1,[2,[3]]]}}}"#,
        ]
        for text in documents {
            let mine = try JSONParser.parse(text)
            let written = JSONWriter.string(mine)
            // Foundation reads our output as the same value as the original.
            let a = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSObject
            let b = try JSONSerialization.jsonObject(with: Data(written.utf8)) as? NSObject
            #expect(a == b, "\(text) → \(written)")
            #expect(JSONWriter.string(try JSONParser.parse(written)) == written)
        }
    }

    @Test func keepsKeyOrderAndIntegerness() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2.0,"m":3.5}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value.objectValue?["z"] == .int(1))
        #expect(JSONWriter.string(value) == #"{"z":1,"a":2,"m":3.5}"#)
    }

    @Test func reportsLineAndColumnOfErrors() {
        let cases: [(String, Int, Int, String)] = [
            ("{\n  \"a\": 1,\n  \"b\": }", 3, 8, "unexpected character"),
            ("[1, 2", 1, 6, "unexpected end"),
            ("{\"a\": 1} x", 1, 10, "unexpected text"),
            ("{\"a\": 1, \"a\": 2}", 1, 15, "duplicate key"),
            ("\"\\ud800\"", 1, 8, "surrogate"),
        ]
        for (text, line, column, reason) in cases {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
            do {
                _ = try JSONParser.parse(text)
            } catch {
                #expect(error.line == line, "\(text): \(error)")
                #expect(error.column == column, "\(text): \(error)")
                #expect(error.reason.contains(reason), "\(text): \(error)")
            }
        }
    }

    @Test func rejectsInvalidUTF8InsteadOfRepairingIt() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x28, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
        }
    }

    @Test func escapesControlCharactersWhenWriting() {
        let s = JSONWriter.string(.string("a\u{01}b\"c\\d\ne"))
        #expect(s == #""a\u0001b\"c\\d\ne""#)
    }
}
