/// What can go wrong in the job queue. Every case names the store (a file path or a database) and the
/// operation, so that a message read in a log says where to look.
public enum JobsError: Error, Equatable, CustomStringConvertible {
    /// The job is no longer leased to this worker (the lease expired and the job went to someone else).
    case leaseLost(job: Int64, owner: String)
    case unknownDependency(group: String, key: String, dependency: String)
    case noHandler(kind: String, job: Int64)
    /// The store was busy, locked, out of reach or failed an I/O: the same operation may succeed later.
    case unavailable(store: String, operation: String, reason: String)
    /// The store refused the operation (a constraint, a malformed statement): running it again will not help.
    case queryFailed(store: String, operation: String, reason: String)
    /// A stored job holds a value this version cannot read (an unknown state, unreadable error history).
    case corruptRecord(store: String, job: Int64, field: String, value: String)
    /// The store was migrated by a newer textnlp: reading it with this one could misread it.
    case schemaTooNew(store: String, unknown: [String], known: [String])
    /// A `DATABASE_URL` that cannot be a PostgreSQL location.
    case badDatabaseURL(reason: String)

    public var description: String {
        switch self {
        case let .leaseLost(job, owner): "job \(job) is no longer leased to \(owner)"
        case let .unknownDependency(group, key, dependency): "job \(group)/\(key) depends on unknown job \(dependency)"
        case let .noHandler(kind, job): "job \(job): no handler for jobs of kind \"\(kind)\""
        case let .unavailable(store, operation, reason): "job store \(store): \(operation): \(reason) (transient; retried)"
        case let .queryFailed(store, operation, reason): "job store \(store): \(operation): \(reason)"
        case let .corruptRecord(store, job, field, value):
            "job store \(store): job \(job) has \(field) \"\(value)\", which this version of textnlp does not know"
        case let .schemaTooNew(store, unknown, known):
            "job store \(store) was written by a newer textnlp (schema versions \(unknown.joined(separator: ", ")) are unknown here; "
                + "this one knows \(known.joined(separator: ", "))); use that version or a newer one"
        case let .badDatabaseURL(reason): "database URL: \(reason) (expected postgres://user:password@host:port/database)"
        }
    }

    /// Whether the same operation can succeed later without anything changing here.
    public var isTransient: Bool {
        if case .unavailable = self { return true }
        return false
    }
}

extension JobsError: ClassifiedFailure {
    public var disposition: FailureDisposition { isTransient ? .retry : .discard }
}
