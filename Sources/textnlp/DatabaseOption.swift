import ArgumentParser
import Foundation
import Logging
import TextNLPJobs

/// `--database-url`, or `DATABASE_URL`: a PostgreSQL cluster instead of the embedded store.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: "A PostgreSQL URL (postgres://user:password@host:port/database); default: $DATABASE_URL. Without either, batches are embedded (SQLite under the output root).")
    var databaseURL: String?

    var url: String? {
        if let databaseURL { return databaseURL }
        let env = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
        return env.isEmpty ? nil : env
    }

    /// The cluster's store; a command that needs one fails with a clear line without it.
    func connect(for command: String, logger: Logger = DatabaseOption.quietLogger) async throws -> PostgresJobStore {
        guard let url else {
            throw CLIError.failed("textnlp \(command) needs a database: give --database-url or set DATABASE_URL")
        }
        return try await PostgresJobStore.connect(url: url, name: command, logger: logger)
    }

    /// A short-lived command's store logs only what goes wrong; a worker's logs its life.
    static var quietLogger: Logger {
        var logger = Logger(label: "textnlp.db")
        logger.logLevel = .warning
        return logger
    }

    /// Connects, waiting with backoff (and saying so) while the database cannot be reached; a wrong URL,
    /// password or database name fails at once.
    func connectWaiting(for command: String, logger: Logger) async throws -> PostgresJobStore {
        var attempt = 0
        while true {
            do {
                return try await connect(for: command, logger: logger)
            } catch let error as JobsError where error.isTransient {
                attempt += 1
                let wait = min(5, 0.25 * pow(2, Double(min(attempt, 10) - 1)))
                logger.warning("database unavailable (attempt \(attempt)), trying again in \(String(format: "%.2f", wait)) s: \(error)")
                try await Task.sleep(for: .seconds(wait))
            }
        }
    }
}

/// Runs `body` with a connected store and closes it afterwards, whatever happens.
func withStore<T>(_ store: PostgresJobStore, _ body: (PostgresJobStore) async throws -> T) async throws -> T {
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}
