/// An API key as stored: its hash, never the key itself.
public struct APIKeyRecord: Sendable, Equatable {
    public var id: String
    /// SHA-256 of the key, hex.
    public var hash: String
    public var tenant: String
    /// Requests and tokens per minute; nil: no limit.
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    public var createdAt: Double
    public var revokedAt: Double?

    public init(id: String, hash: String, tenant: String, requestsPerMinute: Int?, tokensPerMinute: Int?,
                createdAt: Double = 0, revokedAt: Double? = nil) {
        self.id = id
        self.hash = hash
        self.tenant = tenant
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// An uploaded file: its record here, its bytes in the artifact `content` of group `FileRecord.group(id)`.
public struct FileRecord: Sendable, Equatable {
    public var id: String
    public var tenant: String
    public var filename: String
    public var purpose: String
    public var bytes: Int64
    public var createdAt: Double

    public init(id: String, tenant: String, filename: String, purpose: String, bytes: Int64, createdAt: Double = 0) {
        self.id = id
        self.tenant = tenant
        self.filename = filename
        self.purpose = purpose
        self.bytes = bytes
        self.createdAt = createdAt
    }

    /// The artifact group of a file's bytes.
    public static func group(_ id: String) -> String { "file:" + id }
    public static let contentName = "content"
}

/// A key's use in one minute, after counting a request.
public struct RateWindow: Sendable, Equatable {
    public var requests: Int
    public var tokens: Int
}

/// What the server keeps besides batches: API keys, uploaded files and rate-limit windows, in the same
/// store, so that every replica of the server sees the same keys and the same counts.
public protocol ServerStore: BatchStore {
    func createKey(_ key: APIKeyRecord) async throws
    func keys() async throws -> [APIKeyRecord]
    /// The unrevoked key with this hash.
    func key(hash: String) async throws -> APIKeyRecord?
    /// Revokes a key by id; false when there is no such unrevoked key.
    func revokeKey(id: String) async throws -> Bool

    /// Records a file whose bytes are already the artifact `content` of its group.
    func recordFile(_ file: FileRecord) async throws -> FileRecord
    /// The file with this id, if it is the tenant's.
    func file(id: String, tenant: String) async throws -> FileRecord?
    func files(tenant: String, after: String?, limit: Int) async throws -> [FileRecord]
    /// Deletes a tenant's file record and its bytes; false when there is no such file.
    func deleteFile(id: String, tenant: String) async throws -> Bool

    /// Adds `requests` and `tokens` to `keyID`'s window of minute `minute` and returns the window's totals
    /// (one statement: replicas that count at once both count).
    func recordUse(keyID: String, minute: Int64, requests: Int, tokens: Int) async throws -> RateWindow

    /// Counts for `/metrics`.
    func summary() async throws -> StoreSummary
}

/// What `/metrics` reports of a store, read in a few aggregate queries whatever its size.
public struct StoreSummary: Sendable, Equatable {
    /// Jobs by queue and state.
    public var jobs: [String: [JobState: Int]] = [:]
    /// When the oldest job waiting to run became due (available or retryable and due), nil when none waits.
    public var oldestDue: Double?
    /// Sums over completed shard jobs: rows in and out, prompt and completion tokens.
    public var rows = 0
    public var promptTokens = 0
    public var completionTokens = 0
    /// Completion tokens of the shard jobs that finished in the last minute.
    public var recentCompletionTokens = 0
    /// Batches by their status' name.
    public var batches: [String: Int] = [:]

    public init() {}
}

/// One batch's jobs as counted for a summary: enough to name its status without reading every job.
public struct BatchJobCounts: Sendable {
    public var cancelRequested: Bool
    public var states: [JobState: Int]
    public var ingest: JobState?
    public var finalize: JobState?
    public var cancelRequestedJobs: Bool

    /// The OpenAI Batch API's name for the batch's status, by the rules of `BatchStatus`.
    public var status: String {
        let cancelled = cancelRequested || cancelRequestedJobs || (states[.cancelled] ?? 0) > 0
        if finalize == .completed { return "completed" }
        if (states[.discarded] ?? 0) > 0 { return "failed" }
        if cancelled { return (states[.running] ?? 0) > 0 ? "cancelling" : "cancelled" }
        if finalize == .running { return "finalizing" }
        if ingest != .completed { return "validating" }
        return "in_progress"
    }
}
