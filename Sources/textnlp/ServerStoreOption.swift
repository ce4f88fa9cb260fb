import ArgumentParser
import Foundation
import Logging
import TextNLPJobs

/// Where `serve` and `keys` keep batches, files and keys: PostgreSQL with a database URL, otherwise one
/// SQLite file under `--data-dir`.
struct ServerStoreOption: ParsableArguments {
    @OptionGroup var database: DatabaseOption

    @Option(name: .long, help: "The embedded server's directory: its store (textnlp.sqlite) and scratch files (default: $TEXTNLP_DATA_DIR, else ./textnlp-data).")
    var dataDir: String?

    var directory: String {
        dataDir ?? ProcessInfo.processInfo.environment["TEXTNLP_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "textnlp-data"
    }

    var isEmbedded: Bool { database.url == nil }

    /// The store; `close` ends its connections (nothing for SQLite).
    func open(for command: String, logger: Logger, waiting: Bool = false) async throws -> (store: any ServerStore, close: @Sendable () async -> Void) {
        if isEmbedded {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let store = try SQLiteJobStore(path: (directory as NSString).appendingPathComponent("textnlp.sqlite"))
            return (store, {})
        }
        let store = waiting ? try await database.connectWaiting(for: command, logger: logger) : try await database.connect(for: command, logger: logger)
        return (store, { await store.close() })
    }
}
