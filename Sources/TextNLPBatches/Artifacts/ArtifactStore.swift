import Foundation
import TextNLPJobs
import TextNLPPipeline

/// Where a batch's files live: its input shards, parts, statistics, the dataset, the manifest, the errors
/// file and the reports. Artifacts are named by the paths the embedded layout gives them (`BatchLayout`,
/// `OutputPaths`); the local store keeps them at those paths, the PostgreSQL store keeps them in the
/// database under the same paths relative to a root, so that a cluster shares nothing but the database.
///
/// Writes are whole or nothing. Reads stream: nothing here holds more than a part or a chunk in memory.
public protocol ArtifactStore: Sendable {
    /// True when a job's artifacts go into the transaction that completes it (`JobOutcome.artifacts`):
    /// then a shard's part exists exactly when its job completed, whatever the file systems do.
    var commitsWithCompletion: Bool { get }

    /// Writes an artifact through a local file handle (zstd streams, JSON lines), replacing it whole.
    func write(_ path: String, _ body: (FileHandle) throws -> Void) async throws
    func write(_ path: String, bytes: [UInt8]) async throws
    /// Where to write an artifact with synchronous code (`publish` it afterwards): its own path for the
    /// local store, a scratch file for the others.
    func workPath(_ path: String) -> String
    /// Stores what was written at `workPath(path)` as the artifact `path`.
    func publish(_ path: String) async throws
    /// A job's artifact: written now by a store that cannot commit with the completion (and nil returned),
    /// or returned to go into the completing transaction.
    func staged(_ path: String, _ body: (FileHandle) throws -> Void) async throws -> JobArtifact?
    /// The artifact's bytes (for small ones: summaries, statistics), nil when it does not exist.
    func read(_ path: String) async throws -> [UInt8]?
    func exists(_ path: String) async throws -> Bool
    /// A local file with the artifact's bytes, streamed there if it is not local (nil when it does not exist).
    func localFile(_ path: String) async throws -> String?
    /// Writes `paths` one after another into `path`, streaming, and returns its size and SHA-256.
    func concatenate(_ paths: [String], to path: String) async throws -> Concatenation.Written
}
