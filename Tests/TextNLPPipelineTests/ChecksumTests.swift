import Foundation
import Testing
@testable import TextNLPPipeline

/// SHA-256 against coreutils' `sha256sum`, and zstd output against the `zstd` command-line tool.
struct ChecksumTests {
    @Test func sha256MatchesSha256sum() async throws {
        var rng = SystemRandomNumberGenerator()
        for length in [0, 1, 55, 56, 63, 64, 65, 1000, 1 << 20] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let (status, out) = try await runProgram("/usr/bin/sha256sum", ["-"], stdin: Data(bytes))
            #expect(status == 0)
            let reference = String(decoding: out, as: UTF8.self).split(separator: " ").first.map(String.init)
            #expect(SHA256.hex(bytes) == reference, "length \(length)")
        }
    }

    @Test func sha256OfAFileStreamsInChunks() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/f"
        let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        #expect(try SHA256.hex(fileAt: path) == SHA256.hex(bytes))
    }

    @Test(arguments: [1, 6, 19])
    func zstdFramesDecompressWithTheZstdTool(level: Int) async throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var expected = ""
        var parts: [String] = []
        for part in 0..<3 {
            let path = "\(dir)/part\(part).zst"
            let lines = (0..<5000).map { "{\"part\":\(part),\"row\":\($0),\"text\":\"row \($0) of part \(part) ✓\"}\n" }
            try AtomicFile.write(to: path) { handle in
                let writer = try ZstdWriter(handle: handle, path: path, level: level)
                for line in lines { try writer.write(line) }
                try writer.finish()
            }
            expected += lines.joined()
            parts.append(path)
        }
        // Concatenated frames are one valid zstd stream.
        let joined = parts.map { FileManager.default.contents(atPath: $0)! }.reduce(Data(), +)
        _ = FileManager.default.createFile(atPath: "\(dir)/all.zst", contents: joined)
        let (status, out) = try await runProgram("/usr/bin/zstd", ["-d", "-c", "\(dir)/all.zst"])
        #expect(status == 0)
        #expect(String(decoding: out, as: UTF8.self) == expected)
        #expect(try ZstdReader.decompress(Array(joined)) == Array(expected.utf8))
        // The tool's own integrity test passes (frames carry checksums).
        #expect(try await runProgram("/usr/bin/zstd", ["-t", "-q", "\(dir)/all.zst"]).status == 0)
        #expect(joined.count < expected.utf8.count / 5)
    }

    @Test func noCompressionWritesBytesAsTheyAre() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/plain.jsonl"
        try AtomicFile.write(to: path) { handle in
            let writer = try ZstdWriter(handle: handle, path: path, level: nil)
            try writer.write("a\n")
            try writer.write("b\n")
            try writer.finish()
        }
        #expect(FileManager.default.contents(atPath: path) == Data("a\nb\n".utf8))
    }

    @Test func truncatedStreamIsAnError() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/x.zst"
        try AtomicFile.write(to: path) { handle in
            let writer = try ZstdWriter(handle: handle, path: path, level: 3)
            try writer.write(String(repeating: "abc", count: 10000))
            try writer.finish()
        }
        let bytes = Array(FileManager.default.contents(atPath: path)!)
        #expect(throws: PipelineError.self) { try ZstdReader.decompress(Array(bytes.dropLast(5))) }
    }

    @Test func atomicWriteLeavesNoFileWhenTheBodyFails() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        struct Boom: Error {}
        #expect(throws: PipelineError.self) {
            try AtomicFile.write(to: dir + "/out.txt") { handle in
                try handle.write(contentsOf: Data("partial".utf8))
                throw Boom()
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }
}
