import Foundation
import Testing
@testable import TextNLPInference

/// Token ids against llama.cpp's `llama_tokenize` on the corpus of Fixtures/tokenizer.json.
struct TokenizerTests {
    struct Case: Decodable { let text: String; let ids: [Int32]; let ids_no_special: [Int32] }
    struct File: Decodable { let cases: [Case] }

    @Test func idsMatchLlamaCppOnTheCorpus() throws {
        let model = try Support.model()
        let cases = try Support.fixture("tokenizer.json", as: File.self).cases
        #expect(cases.count >= 300)
        var failures: [String] = []
        for c in cases {
            let special = model.tokenizer.encode(c.text, parseSpecial: true, addSpecial: true)
            let plain = model.tokenizer.encode(c.text, parseSpecial: false, addSpecial: true)
            if special != c.ids { failures.append("special \(c.text.debugDescription): \(special) != \(c.ids)") }
            if plain != c.ids_no_special { failures.append("plain \(c.text.debugDescription): \(plain) != \(c.ids_no_special)") }
        }
        let summary = "\(failures.count) of \(2 * cases.count) tokenizations differ:\n" + failures.prefix(10).joined(separator: "\n")
        #expect(failures.isEmpty, Comment(rawValue: summary))
    }

    @Test func decodingRoundTripsTheCorpus() throws {
        let model = try Support.model()
        for c in try Support.fixture("tokenizer.json", as: File.self).cases {
            #expect(model.tokenizer.decode(c.ids, special: true) == c.text)
        }
    }

    @Test func streamingNeverSplitsACharacter() throws {
        let model = try Support.model()
        let text = "emoji 👨‍👩‍👧‍👦 and 你好 and é"
        var decoder = StreamingDecoder()
        var pieces: [String] = []
        for id in model.tokenizer.encode(text, addSpecial: false) {
            let piece = decoder.push(model.tokenizer.piece(id))
            #expect(!piece.contains("\u{FFFD}"))
            pieces.append(piece)
        }
        pieces.append(decoder.flush())
        #expect(pieces.joined() == text)
        // A byte-level vocabulary splits multi-byte characters over several tokens.
        #expect(pieces.contains(""))
    }

    @Test func streamingFlushesAnIncompleteCharacterAsReplacement() {
        var decoder = StreamingDecoder()
        #expect(decoder.push([0x61, 0xE4, 0xBD]) == "a")
        #expect(decoder.flush() == "\u{FFFD}")
        #expect(decoder.push([0xE4]) == "")
        #expect(decoder.push([0xBD, 0xA0]) == "你")
    }

    @Test func endOfGenerationTokensFollowLlamaCpp() throws {
        let v = try Support.model().tokenizer.vocabulary
        #expect(v.endOfGeneration == [0, 2])  // <|endoftext|>, <|im_end|>
        #expect(v.addBOS == false)
    }
}
