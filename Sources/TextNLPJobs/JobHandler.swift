/// What a handler returns: a result to store, follow-up jobs to add and artifacts to write, all in the
/// transaction that completes the job.
public struct JobOutcome: Sendable {
    public var result: String?
    public var enqueue: [NewJob]
    /// Written in the completing transaction (PostgreSQL): a shard's part exists exactly when its job completed.
    public var artifacts: [JobArtifact]

    public init(result: String? = nil, enqueue: [NewJob] = [], artifacts: [JobArtifact] = []) {
        self.result = result
        self.enqueue = enqueue
        self.artifacts = artifacts
    }
}

/// A named artifact of the job's group, held in memory (a part of a shard, its statistics).
public struct JobArtifact: Sendable {
    public var name: String
    public var bytes: [UInt8]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}

/// Runs one attempt of a job. Cancellation means "stop now": the worker gives the job back.
public typealias JobHandler = @Sendable (JobRecord) async throws -> JobOutcome
