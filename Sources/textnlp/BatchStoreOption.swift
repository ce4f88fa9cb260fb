import ArgumentParser
import Foundation
import TextNLPJobs

/// Where the batch commands (status, cancel, batches, download) find batches of a store: a cluster's
/// PostgreSQL (`--database-url`, `DATABASE_URL`), or the SQLite store of an embedded `textnlp serve`
/// (`--data-dir`, `TEXTNLP_DATA_DIR`).
struct BatchStoreOption: ParsableArguments {
    @OptionGroup var database: DatabaseOption

    @Option(name: .long, help: "An embedded server's data directory (as `textnlp serve --data-dir`), without a database URL (default: $TEXTNLP_DATA_DIR).")
    var dataDir: String?

    /// The embedded server's directory, when no database is named and one is.
    var embeddedDirectory: String? {
        guard database.url == nil else { return nil }
        return dataDir ?? ProcessInfo.processInfo.environment["TEXTNLP_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    }

    var isSet: Bool { database.url != nil || embeddedDirectory != nil }

    /// Runs `body` on the store and closes it afterwards.
    func with<T>(for command: String, _ body: (any BatchStore) async throws -> T) async throws -> T {
        if let directory = embeddedDirectory {
            let path = (directory as NSString).appendingPathComponent("textnlp.sqlite")
            guard FileManager.default.fileExists(atPath: path) else {
                throw CLIError.failed("textnlp \(command): no server store in \(directory) (textnlp serve --data-dir \(directory) makes one)")
            }
            return try await body(try SQLiteJobStore(path: path))
        }
        return try await withStore(try await database.connect(for: command)) { try await body($0) }
    }
}
