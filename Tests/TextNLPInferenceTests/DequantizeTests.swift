import Foundation
import Testing
@testable import TextNLPInference

/// Every tensor format against gguf-py's dequantisation (Fixtures/quants.json).
struct DequantizeTests {
    struct Case: Decodable { let type: String; let rows: Int; let columns: Int; let data: String; let expected: [Float] }
    struct File: Decodable { let cases: [Case] }

    @Test func everyFormatMatchesGGUFPy() throws {
        let file = try Support.fixture("quants.json", as: File.self)
        var seen: Set<String> = []
        for c in file.cases {
            let type = try #require(GGMLType.allCases.first { "\($0)" == c.type }, "unknown type \(c.type)")
            seen.insert(c.type)
            let bytes = try #require(Data(base64Encoded: c.data))
            let rowBytes = try #require(type.byteCount(elements: c.columns))
            #expect(bytes.count == rowBytes * c.rows)
            var out = [Float](repeating: .nan, count: c.rows * c.columns)
            bytes.withUnsafeBytes { raw in
                out.withUnsafeMutableBufferPointer { dst in
                    for r in 0..<c.rows {
                        Dequantize.row(type, raw.baseAddress! + r * rowBytes, dst.baseAddress! + r * c.columns, count: c.columns)
                    }
                }
            }
            let mismatches = zip(out, c.expected).filter { $0 != $1 }.count
            #expect(mismatches == 0, "\(c.type): \(mismatches) of \(out.count) values differ from gguf-py")
        }
        #expect(seen == ["F16", "BF16", "Q4_0", "Q4_1", "Q8_0", "Q4_K", "Q6_K"])
    }

    @Test func byteCountsFollowBlockLayouts() {
        #expect(GGMLType.q4_1.byteCount(elements: 64) == 40)
        #expect(GGMLType.q4_K.byteCount(elements: 512) == 288)
        #expect(GGMLType.q6_K.byteCount(elements: 256) == 210)
        #expect(GGMLType.q8_0.byteCount(elements: 33) == nil)
    }
}
