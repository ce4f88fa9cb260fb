import Foundation

/// Where a job is in its life. Attempts count from 1: claiming a job starts attempt `attempt + 1`.
public enum JobState: String, Sendable, Codable, CaseIterable {
    /// Waiting for its run time or for the jobs it depends on.
    case scheduled
    case available
    case running
    /// Failed, will run again at `runAt`.
    case retryable
    case completed
    case cancelled
    /// Failed its last attempt, or failed in a way a retry cannot fix.
    case discarded

    public var isFinal: Bool { self == .completed || self == .cancelled || self == .discarded }
}

/// A job to add. `key` is unique within `group`: enqueueing the same key twice adds it once, which makes
/// enqueueing idempotent. `dependsOn` names keys of the same group that must complete first.
public struct NewJob: Sendable, Equatable {
    public var kind: String
    public var key: String
    public var group: String
    public var payload: String
    public var queue: String
    public var priority: Int
    public var maxAttempts: Int
    public var runAt: Double?
    public var dependsOn: [String]

    public init(kind: String, key: String, group: String, payload: String = "{}", queue: String = "default",
                priority: Int = 0, maxAttempts: Int = 3, runAt: Double? = nil, dependsOn: [String] = []) {
        self.kind = kind
        self.key = key
        self.group = group
        self.payload = payload
        self.queue = queue
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.runAt = runAt
        self.dependsOn = dependsOn
    }
}

/// The error of one attempt, kept for every attempt.
public struct AttemptError: Sendable, Codable, Equatable {
    public var attempt: Int
    public var at: Double
    public var message: String

    public init(attempt: Int, at: Double, message: String) {
        self.attempt = attempt
        self.at = at
        self.message = message
    }
}

/// A job as the store holds it.
public struct JobRecord: Sendable, Equatable {
    public var id: Int64
    public var queue: String
    public var kind: String
    public var key: String
    public var group: String
    public var payload: String
    public var state: JobState
    public var priority: Int
    public var attempt: Int
    public var maxAttempts: Int
    public var runAt: Double
    /// The owner of the running attempt's lease; a completed job keeps the owner that completed it.
    public var leaseOwner: String?
    public var leaseExpiresAt: Double?
    public var errors: [AttemptError]
    public var result: String?
    public var createdAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?
    /// The job's batch was cancelled while it ran: it ends as `cancelled` when its worker stops it.
    public var cancelRequested = false
}
