import Foundation
import Testing
@testable import TextNLPInference

/// Tiny random Llama and GPT-2 models (written by scripts/make-engine-fixtures.py with gguf-py):
/// every logit of every position against llama.cpp's.
struct TinyModelTests {
    struct Reference: Decodable { let file: String; let ids: [Int32]; let logits: [[Float]] }
    struct File: Decodable { let models: [String: Reference] }

    static func check(_ name: String, tolerance: Float) throws -> Float {
        let reference = try #require(try Support.fixture("tiny.json", as: File.self).models[name])
        let gguf = try GGUFFile(path: Support.fixtureURL(reference.file).path)
        let model = try loadLanguageModel(gguf)
        #expect(model.config.architecture.rawValue == name)
        let vocab = model.config.vocabSize
        // Once as a single prefill, once split into chunks, as the scheduler feeds it.
        let whole = try model.forward([SequenceChunk(slot: 0, tokens: reference.ids, start: 0, logits: .all)], cache: model.makeCache())[0]
        let cache = model.makeCache()
        var pieces: [Float] = []
        var start = 0
        for size in [7, 1, 1, 13, 18] {
            let chunk = Array(reference.ids[start..<(start + size)])
            pieces += try model.forward([SequenceChunk(slot: 3, tokens: chunk, start: start, logits: .all)], cache: cache)[0]
            start += size
        }
        var worst: Float = 0
        for (pos, row) in reference.logits.enumerated() {
            #expect(row.count == vocab)
            for (i, r) in row.enumerated() {
                worst = max(worst, abs(whole[pos * vocab + i] - r), abs(pieces[pos * vocab + i] - r))
            }
        }
        #expect(worst <= tolerance, "\(name): largest logit difference \(worst)")
        print("tiny \(name): largest logit difference to llama.cpp \(worst)")
        return worst
    }

    /// Both engines keep the KV cache in f16; a value whose f32 results differ in the last bit can round
    /// to neighbouring halves, hence the tolerance (with f32 caches on both sides the two agreed within 1e-4).
    @Test func tinyLlamaMatchesLlamaCpp() throws {
        _ = try Self.check("llama", tolerance: 0.01)
    }

    /// ggml computes GELU through a half-precision table; the engine does the same.
    @Test func tinyGPT2MatchesLlamaCpp() throws {
        _ = try Self.check("gpt2", tolerance: 0.01)
    }

    @Test func unsupportedArchitectureListsTheSupportedOnes() throws {
        let path = try GGUFBuilder.file(architecture: "mamba")
        #expect(throws: ModelError.unsupportedArchitecture(path: path, name: "mamba")) {
            _ = try loadLanguageModel(GGUFFile(path: path))
        }
        #expect("\(ModelError.unsupportedArchitecture(path: path, name: "mamba"))".contains("llama, gpt2"))
    }
}
