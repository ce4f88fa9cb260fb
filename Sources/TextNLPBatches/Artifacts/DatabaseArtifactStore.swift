import Foundation
import TextNLPJobs
import TextNLPPipeline

/// A batch's artifacts in its batch store (PostgreSQL, or the embedded server's SQLite file), in the
/// batch's group, named by their path relative to `root` (a path no file system sees: `BatchLayout` and
/// `OutputPaths` are built on it). Writes through a file handle go to a scratch file first and are then
/// streamed into the database; reads stream a chunk at a time.
public struct DatabaseArtifactStore: ArtifactStore {
    /// The root the cluster's layouts are built on.
    public static let root = "/textnlp-cluster"

    public let store: any BatchStore
    public let group: String
    /// A local directory for scratch files and for local copies (input files, partials).
    public let scratch: String

    public init(store: any BatchStore, group: String, scratch: String) {
        self.store = store
        self.group = group
        self.scratch = scratch
    }

    public var commitsWithCompletion: Bool { true }

    /// The artifact's name: its path under the root.
    public static func name(_ path: String) -> String {
        let prefix = root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    private func scratchFile() throws -> String {
        try AtomicFile.createDirectory(scratch)
        return (scratch as NSString).appendingPathComponent("artifact-\(UUID().uuidString)")
    }

    /// Runs `body` on a fresh scratch file and removes the file afterwards.
    private func withScratch<T>(_ body: (String) async throws -> T) async throws -> T {
        let file = try scratchFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try await body(file)
    }

    public func write(_ path: String, _ body: (FileHandle) throws -> Void) async throws {
        try await withScratch { file in
            try AtomicFile.write(to: file, body)
            try await store.putArtifact(group: group, name: Self.name(path), fromFile: file)
        }
    }

    public func write(_ path: String, bytes: [UInt8]) async throws {
        try await store.putArtifact(group: group, name: Self.name(path), bytes: bytes)
    }

    public func workPath(_ path: String) -> String {
        (scratch as NSString).appendingPathComponent("work/" + Self.name(path))
    }

    public func publish(_ path: String) async throws {
        let file = workPath(path)
        try await store.putArtifact(group: group, name: Self.name(path), fromFile: file)
        try? FileManager.default.removeItem(atPath: file)
    }

    public func staged(_ path: String, _ body: (FileHandle) throws -> Void) async throws -> JobArtifact? {
        try await withScratch { file in
            try AtomicFile.write(to: file, body)
            guard let data = FileManager.default.contents(atPath: file) else {
                throw PipelineError.io(path: file, reason: "the scratch file vanished")
            }
            return JobArtifact(name: Self.name(path), bytes: Array(data))
        }
    }

    public func read(_ path: String) async throws -> [UInt8]? {
        try await store.artifactBytes(group: group, name: Self.name(path))
    }

    public func exists(_ path: String) async throws -> Bool {
        try await store.artifactExists(group: group, name: Self.name(path))
    }

    public func localFile(_ path: String) async throws -> String? {
        let target = (scratch as NSString).appendingPathComponent("local/" + Self.name(path))
        if FileManager.default.fileExists(atPath: target) { return target }
        try AtomicFile.createDirectory((target as NSString).deletingLastPathComponent)
        return try await download(Self.name(path), to: target) ? target : nil
    }

    /// Streams artifact `name` into a file (written atomically); false when there is no such artifact.
    public func download(_ name: String, to target: String) async throws -> Bool {
        let temp = target + ".part-\(getpid())"
        _ = FileManager.default.createFile(atPath: temp, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: temp) else { throw PipelineError.io(path: temp, reason: "cannot create the file") }
        let sink = HandleSink(handle: handle, path: temp)
        let found: Bool
        do {
            found = try await store.readArtifact(group: group, name: name) { chunk in try sink.write(chunk) }
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
        guard found else {
            try? FileManager.default.removeItem(atPath: temp)
            return false
        }
        if rename(temp, target) != 0 {
            throw PipelineError.io(path: target, reason: "cannot move the downloaded file into place (\(String(cString: strerror(errno))))")
        }
        return true
    }

    public func concatenate(_ paths: [String], to path: String) async throws -> Concatenation.Written {
        let name = Self.name(path)
        let bytes = try await store.concatenateArtifacts(group: group, names: paths.map(Self.name), into: name)
        let hash = Hasher256()
        _ = try await store.readArtifact(group: group, name: name) { hash.update($0) }
        return Concatenation.Written(path: path, bytes: Int(bytes), sha256: hash.hex())
    }
}

/// A SHA-256 fed from a stream of chunks.
private final class Hasher256: @unchecked Sendable {
    // Only touched by the one reading task, one chunk after another.
    private var sha = SHA256()
    func update(_ chunk: [UInt8]) { sha.update(chunk) }
    func hex() -> String { SHA256.hexString(sha.finalize()) }
}

/// Writes the chunks of a stream to a file handle.
private final class HandleSink: @unchecked Sendable {
    // Only touched by the one reading task, one chunk after another.
    let handle: FileHandle
    let path: String
    init(handle: FileHandle, path: String) {
        self.handle = handle
        self.path = path
    }
    func write(_ chunk: [UInt8]) throws {
        do { try handle.write(contentsOf: chunk) } catch { throw PipelineError.writeFailed(path: path, error) }
    }
}
