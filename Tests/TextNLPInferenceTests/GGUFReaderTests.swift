import Foundation
import Testing
@testable import TextNLPInference

struct GGUFReaderTests {
    @Test func readsTheRealModel() throws {
        let file = try GGUFFile(path: Support.smolLM2Path)
        #expect(file.version == 3)
        #expect(file.tensors.count == 272)
        #expect(try file.string("general.architecture") == "llama")
        #expect(try file.int("llama.block_count") == 30)
        #expect(try file.stringArray("tokenizer.ggml.tokens").count == 49152)
        let embedding = try file.tensor("token_embd.weight")
        #expect(embedding.type == .q8_0 && embedding.shape == [576, 49152])
        #expect(try file.tensor("blk.0.ffn_down.weight").type == .q4_1)
    }

    @Test func everyValueTypeRoundTrips() throws {
        let metadata: [(String, GGUFValue)] = [
            ("a.u8", .uint8(200)), ("a.i8", .int8(-3)), ("a.u16", .uint16(60000)), ("a.i16", .int16(-300)),
            ("a.u32", .uint32(4_000_000_000)), ("a.i32", .int32(-7)), ("a.u64", .uint64(1 << 40)), ("a.i64", .int64(-(1 << 40))),
            ("a.f32", .float32(1.5)), ("a.f64", .float64(-2.25)), ("a.bool", .bool(true)), ("a.str", .string("héllo")),
            ("a.arr", .array(.string, [.string("x"), .string("")])), ("a.nested", .array(.array, [.array(.int32, [.int32(1)])])),
        ]
        for version: UInt32 in [2, 3] {
            let path = try Support.temporaryFile(GGUFBuilder.bytes(version: version, metadata: metadata))
            let file = try GGUFFile(path: path)
            for (k, v) in metadata { #expect(file.metadata[k] == v, "\(k)") }
            #expect(file.metadataKeys == metadata.map(\.0))
        }
    }

    @Test func missingFileIsAnError() {
        #expect(throws: GGUFError.self) { try GGUFFile(path: "/nonexistent/model.gguf") }
        do {
            _ = try GGUFFile(path: "/nonexistent/model.gguf")
        } catch {
            #expect("\(error)".contains("/nonexistent/model.gguf"))
        }
    }

    @Test func notGGUFAndBadVersionAreErrors() throws {
        let text = try Support.temporaryFile(Array("just some text, not a model".utf8))
        #expect(throws: GGUFError.notGGUF(path: text, magic: 0x7473_756A)) { try GGUFFile(path: text) }
        let v1 = try Support.temporaryFile(GGUFBuilder.bytes(version: 1, metadata: []))
        #expect(throws: GGUFError.unsupportedVersion(path: v1, version: 1)) { try GGUFFile(path: v1) }
        let empty = try Support.temporaryFile([])
        #expect(throws: GGUFError.self) { try GGUFFile(path: empty) }
    }

    @Test func truncatedFilesNameTheOffset() throws {
        let tiny = try Array(Data(contentsOf: Support.fixtureURL("tiny-llama.gguf")))
        // Cut inside the metadata, then inside the tensor data.
        for cut in [20, 3000, tiny.count - 100] {
            let path = try Support.temporaryFile(Array(tiny[..<cut]))
            do {
                _ = try GGUFFile(path: path)
                Issue.record("a file cut at \(cut) bytes was accepted")
            } catch let error as GGUFError {
                guard case .truncated(let p, let offset, _, let what) = error else {
                    Issue.record("expected truncated, got \(error)"); continue
                }
                #expect(p == path && offset <= cut && !what.isEmpty)
            }
        }
    }

    @Test func corruptValuesAreErrors() throws {
        var bytes = GGUFBuilder.bytes(metadata: [("flag", .bool(true))])
        bytes[24 + 8 + 4 + 4] = 7  // the bool's byte
        let path = try Support.temporaryFile(bytes)
        #expect(throws: GGUFError.corrupt(path: path, offset: 40, reason: "metadata 'flag' has bool value 7")) { try GGUFFile(path: path) }

        var badType = GGUFBuilder.bytes(metadata: [("k", .uint32(1))])
        badType[24 + 8 + 1] = 99  // value type
        let p2 = try Support.temporaryFile(badType)
        #expect(throws: GGUFError.self) { try GGUFFile(path: p2) }

        let huge = GGUFBuilder.bytes(metadata: [("s", .string("abc"))])
        var hugeString = huge
        hugeString[24 + 8 + 1 + 4] = 0xFF  // string length byte
        hugeString[24 + 8 + 1 + 4 + 7] = 0x7F
        let p3 = try Support.temporaryFile(hugeString)
        #expect(throws: GGUFError.self) { try GGUFFile(path: p3) }
    }

    @Test func unsupportedTensorTypeNamesTheTensor() throws {
        let t = GGUFBuilder.Tensor(name: "blk.0.attn_q.weight", shape: [32], type: 6, data: [UInt8](repeating: 0, count: 22))
        let path = try Support.temporaryFile(GGUFBuilder.bytes(metadata: [], tensors: [t]))
        #expect(throws: GGUFError.unsupportedTensorType(path: path, tensor: "blk.0.attn_q.weight", type: 6)) { try GGUFFile(path: path) }
        let message = "\(GGUFError.unsupportedTensorType(path: path, tensor: "blk.0.attn_q.weight", type: 6))"
        #expect(message.contains("blk.0.attn_q.weight") && message.contains("Q4_K"))
    }

    @Test func tensorShapeMustFitItsBlocks() throws {
        let t = GGUFBuilder.Tensor(name: "w", shape: [33], type: 8, data: [UInt8](repeating: 0, count: 34))
        let path = try Support.temporaryFile(GGUFBuilder.bytes(metadata: [], tensors: [t]))
        #expect(throws: GGUFError.self) { try GGUFFile(path: path) }
    }
}
