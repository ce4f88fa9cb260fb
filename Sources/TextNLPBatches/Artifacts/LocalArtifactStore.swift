import Foundation
import TextNLPJobs
import TextNLPPipeline

/// The embedded store's artifacts: files at their paths, each written atomically (temp, fsync, rename).
public struct LocalArtifactStore: ArtifactStore {
    public init() {}

    public var commitsWithCompletion: Bool { false }

    public func write(_ path: String, _ body: (FileHandle) throws -> Void) async throws {
        try AtomicFile.write(to: path, body)
    }

    public func write(_ path: String, bytes: [UInt8]) async throws {
        try AtomicFile.write(to: path, bytes: bytes)
    }

    public func workPath(_ path: String) -> String { path }

    public func publish(_ path: String) async throws {}

    public func staged(_ path: String, _ body: (FileHandle) throws -> Void) async throws -> JobArtifact? {
        try AtomicFile.write(to: path, body)
        return nil
    }

    public func read(_ path: String) async throws -> [UInt8]? {
        FileManager.default.contents(atPath: path).map(Array.init)
    }

    public func exists(_ path: String) async throws -> Bool { FileManager.default.fileExists(atPath: path) }

    public func localFile(_ path: String) async throws -> String? {
        FileManager.default.fileExists(atPath: path) ? path : nil
    }

    public func concatenate(_ paths: [String], to path: String) async throws -> Concatenation.Written {
        try Concatenation.write(paths, to: path)
    }
}
