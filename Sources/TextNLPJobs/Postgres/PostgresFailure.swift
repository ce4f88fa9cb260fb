import PostgresNIO

/// postgres-nio's errors as `JobsError`s that name the database and the operation. A lost or refused
/// connection, a restarting server, a serialization failure or a deadlock are transient; a bad password,
/// a missing database or permission and a malformed statement are not.
enum PostgresFailure {
    static func classify(_ error: any Error, store: String, operation: String) -> JobsError {
        if let error = error as? JobsError { return error }
        if let error = error as? PostgresTransactionError {
            // What failed inside the transaction matters, not the transaction around it.
            let inner: (any Error)? = error.closureError ?? error.beginError ?? error.commitError
            if let inner { return classify(inner, store: store, operation: operation) }
        }
        if error is CancellationError { return .unavailable(store: store, operation: operation, reason: "cancelled before it ran") }
        guard let error = error as? PSQLError else { return .unavailable(store: store, operation: operation, reason: "\(error)") }
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            let message = error.serverInfo?[.message] ?? "server error"
            let reason = "\(message) (SQLSTATE \(state))"
            // 08: connection exception; 40001/40P01: serialization failure, deadlock; 53: insufficient resources;
            // 57P01-57P03: the server is shutting down or starting; 55P03: lock not available.
            let transient = state.hasPrefix("08") || state == "40001" || state == "40P01" || state.hasPrefix("53")
                || ["57P01", "57P02", "57P03", "55P03"].contains(state)
            return transient ? .unavailable(store: store, operation: operation, reason: reason)
                : .queryFailed(store: store, operation: operation, reason: reason)
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .queryCancelled:
            let cause = error.underlying.map { "\($0)" } ?? "\(error.code)"
            return .unavailable(store: store, operation: operation, reason: "cannot reach the database: \(cause)")
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError, .sslUnsupported:
            return .queryFailed(store: store, operation: operation, reason: "cannot log in: \(error.code)")
        case .poolClosed:
            return .queryFailed(store: store, operation: operation, reason: "the store is closed")
        default:
            return .queryFailed(store: store, operation: operation, reason: "\(error.code)")
        }
    }
}
