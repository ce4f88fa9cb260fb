/// What a worker does with a job whose handler threw.
public enum FailureDisposition: Sendable, Equatable {
    /// Run it again after a backoff: the cause can pass (an I/O error, a busy or lost database, a cancelled step).
    case retry
    /// Discard it now: running it again gives the same failure (bad data, an invalid spec, a failed gate).
    case discard
    /// Discard it and stop the pool: no other job of the pool can succeed either (a model that cannot be
    /// loaded). The jobs still running are given back without spending an attempt.
    case stop
}

/// An error that knows whether a retry can help. Errors that do not conform are retried.
public protocol ClassifiedFailure: Error {
    var disposition: FailureDisposition { get }
}

/// Thrown by a handler whose failure a retry cannot fix, when no more specific error type applies.
public struct PermanentJobError: ClassifiedFailure, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var disposition: FailureDisposition { .discard }
}
