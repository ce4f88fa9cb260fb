/// What a handler returns: a result to store and follow-up jobs to add in the same transaction.
public struct JobOutcome: Sendable {
    public var result: String?
    public var enqueue: [NewJob]

    public init(result: String? = nil, enqueue: [NewJob] = []) {
        self.result = result
        self.enqueue = enqueue
    }
}

/// Runs one attempt of a job. Cancellation means "stop now": the worker gives the job back.
public typealias JobHandler = @Sendable (JobRecord) async throws -> JobOutcome
