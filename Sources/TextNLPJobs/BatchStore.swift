import Foundation

/// A batch as a store records it: what was submitted, by which tenant, under which key, and when it was
/// cancelled. Its progress is its jobs (the group named by its id) and its files are its artifacts.
public struct BatchRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var idempotencyKey: String?
    public var queue: String
    public var model: String?
    public var specSHA256: String
    public var createdAt: Double
    public var cancelRequestedAt: Double?
    /// Whose batch it is: the tenant of the API key that submitted it ("" for the command line).
    public var tenant: String
    /// What the API that created it needs to answer for it (a JSON object: endpoint, input file,
    /// metadata...), nil for a batch of the command line.
    public var details: String?

    public init(id: String, name: String, idempotencyKey: String?, queue: String, model: String?, specSHA256: String,
                createdAt: Double = 0, cancelRequestedAt: Double? = nil, tenant: String = "", details: String? = nil) {
        self.id = id
        self.name = name
        self.idempotencyKey = idempotencyKey
        self.queue = queue
        self.model = model
        self.specSHA256 = specSHA256
        self.createdAt = createdAt
        self.cancelRequestedAt = cancelRequestedAt
        self.tenant = tenant
        self.details = details
    }
}

/// Bytes gathered from a stream of chunks.
private final class GatheredBytes: @unchecked Sendable {
    // Only touched by the one reading task, one chunk after another.
    var value: [UInt8] = []
    func append(_ chunk: [UInt8]) { value += chunk }
}

/// An artifact as listed: its name and size.
public struct ArtifactEntry: Sendable, Equatable {
    public var name: String
    public var bytes: Int64

    public init(name: String, bytes: Int64) {
        self.name = name
        self.bytes = bytes
    }
}

/// A job store that also keeps batches and their artifacts, so that everything a batch is lives in one
/// place: the embedded SQLite file of one machine, or the PostgreSQL database a cluster shares.
///
/// Artifacts are whole or absent, written in chunks and read as a stream of chunks.
public protocol BatchStore: JobStore, CustomStringConvertible {
    /// Records a batch and returns the one that stands: the new one, or the batch already recorded under
    /// the same idempotency key (of the same tenant) or the same id. `created` is false for an existing one.
    func recordBatch(_ batch: BatchRecord) async throws -> (batch: BatchRecord, created: Bool)
    func batch(idempotencyKey key: String, tenant: String) async throws -> BatchRecord?
    func batch(id: String) async throws -> BatchRecord?
    /// Batches newest first, after the one with id `after` when given; only `tenant`'s when given.
    func batches(after: String?, limit: Int, tenant: String?) async throws -> [BatchRecord]
    /// Records the cancel request (the first one's time stays) and cancels the batch's jobs.
    func cancelBatch(id: String) async throws
    /// Replaces what the API that created the batch recorded with it (`BatchRecord.details`).
    func setBatchDetails(id: String, details: String) async throws
    /// Deletes batches whose every job finished more than `retentionSeconds` ago, with their jobs and
    /// artifacts. Returns how many batches went.
    @discardableResult
    func prune(retentionSeconds: Double) async throws -> Int
    /// Deletes one batch whose jobs have all finished, with its jobs and artifacts. False when there is no
    /// such batch or a job of it has not finished (nothing is deleted then).
    func deleteBatch(id: String) async throws -> Bool

    func putArtifact(group: String, name: String, bytes: [UInt8]) async throws
    /// Replaces an artifact by a local file's bytes, read a chunk at a time.
    func putArtifact(group: String, name: String, fromFile path: String) async throws
    /// Streams an artifact's chunks in order to `body`; false when there is no such artifact.
    @discardableResult
    func readArtifact(group: String, name: String, _ body: @escaping @Sendable ([UInt8]) async throws -> Void) async throws -> Bool
    func artifacts(group: String) async throws -> [ArtifactEntry]
    /// Replaces `name` by the artifacts `names` one after another. Missing names are an error. Returns the size.
    @discardableResult
    func concatenateArtifacts(group: String, names: [String], into name: String) async throws -> Int64
    func artifactExists(group: String, name: String) async throws -> Bool
    func deleteArtifacts(group: String) async throws
}

extension BatchStore {
    /// A small artifact's bytes whole (a pipeline file, a summary), nil when it does not exist.
    public func artifactBytes(group: String, name: String) async throws -> [UInt8]? {
        let bytes = GatheredBytes()
        guard try await readArtifact(group: group, name: name, { bytes.append($0) }) else { return nil }
        return bytes.value
    }

    public func batch(idempotencyKey key: String) async throws -> BatchRecord? {
        try await batch(idempotencyKey: key, tenant: "")
    }

    public func batches(after: String? = nil, limit: Int = 100) async throws -> [BatchRecord] {
        try await batches(after: after, limit: limit, tenant: nil)
    }
}
