import Foundation

/// What a finished child printed and how it ended.
public struct ChildOutput: Sendable {
    public var code: Int32
    public var out: String
    public var err: String
    public var outData: Data
}

extension Child {
    /// Runs `program` to its end with `stdin` on its standard input. The streams go through files, so that
    /// none can fill a pipe and block the child, and the wait polls, so that it holds no thread.
    public static func run(_ program: String, _ arguments: [String], directory: String? = nil, stdin: Data? = nil,
                           environment: [String: String] = [:]) async throws -> ChildOutput {
        let base = NSTemporaryDirectory() + "textnlp-child-\(UUID().uuidString)"
        let (inPath, outPath, errPath) = (base + ".in", base + ".out", base + ".err")
        defer { [inPath, outPath, errPath].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        if let stdin { _ = FileManager.default.createFile(atPath: inPath, contents: stdin) }
        let child = try Child(program, arguments, directory: directory, environment: environment,
                              stdin: stdin == nil ? nil : inPath, stdout: outPath, stderr: errPath)
        let code = await child.wait()
        let out = FileManager.default.contents(atPath: outPath) ?? Data()
        let err = FileManager.default.contents(atPath: errPath) ?? Data()
        return ChildOutput(code: code, out: String(decoding: out, as: UTF8.self), err: String(decoding: err, as: UTF8.self), outData: out)
    }

    /// `zstd -dc FILE`: the reference decompressor's output, or an error with its message.
    public static func zstdDecompress(_ path: String) async throws -> String {
        let r = try await run("/usr/bin/zstd", ["-d", "-c", path])
        guard r.code == 0 else { throw ChildFailed(program: "zstd -d -c \(path)", code: r.code, err: r.err) }
        return r.out
    }
}

public struct ChildFailed: Error, CustomStringConvertible {
    public var program: String
    public var code: Int32
    public var err: String
    public var description: String { "\(program) exited \(code): \(err)" }
}
