import ArgumentParser
import Foundation
import TextNLPBatches
import TextNLPPipeline

/// The batch commands of a store (a cluster's, or an embedded server's): cancel, list, download.
extension TextNLP {
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a batch: waiting shards at once, running ones within a second; finished parts are kept.")

        @Argument(help: "The batch id.")
        var batch: String

        @OptionGroup var where_: BatchStoreOption

        @Flag(name: .long, help: "Print the status as one JSON object.")
        var json = false

        func run() async throws {
            let status = try await where_.with(for: "cancel") { store in
                try await ClusterBatches.cancel(batch, in: store)
            }
            Output.line(json ? JSONWriter.string(status.json) : "batch \(status.batchID): \(status.status)")
        }
    }

    struct Batches: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the batches of the database (or of an embedded server's --data-dir), newest first.")

        @OptionGroup var where_: BatchStoreOption

        @Option(name: .long, help: "List the batches after (older than) this one.")
        var after: String?

        @Option(name: .long, help: "At most this many (default 100).")
        var limit = 100

        @Flag(name: .long, help: "Print one JSON object per line.")
        var json = false

        func run() async throws {
            let list = try await where_.with(for: "batches") { store in
                try await ClusterBatches.list(in: store, after: after, limit: max(1, min(limit, 10_000)))
            }
            for (batch, status) in list {
                if json {
                    var o = status.json.objectValue ?? JSONObject()
                    o["jobs"] = nil
                    o["name"] = .string(batch.name)
                    o["idempotency_key"] = batch.idempotencyKey.map { .string($0) } ?? .null
                    o["queue"] = .string(batch.queue)
                    Output.line(JSONWriter.string(.object(o)))
                } else {
                    let created = Date(timeIntervalSince1970: batch.createdAt).ISO8601Format()
                    Output.line("\(batch.id)  \(status.status)  shards \(status.shardsDone)/\(status.shardsTotal.map(String.init) ?? "?")  \(created)\(batch.idempotencyKey.map { "  key \($0)" } ?? "")")
                }
            }
        }
    }

    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a batch's dataset, manifest, errors and reports from the database, with an embedded run's file names.")

        @Argument(help: "The batch id.")
        var batch: String

        @OptionGroup var where_: BatchStoreOption

        @Option(name: .long, help: "The directory to write into (the output root of an embedded run).")
        var output: String

        @Flag(name: .long, help: "Also the parts a cancelled or failed batch kept (batches/ID/parts).")
        var parts = false

        func run() async throws {
            let written = try await where_.with(for: "download") { store in
                try await ClusterBatches.download(batch, from: store, to: output, includeParts: parts)
            }
            if written.isEmpty { throw CLIError.failed("batch \(batch) has no outputs yet (textnlp status \(batch))") }
            for path in written { Output.line(path) }
        }
    }
}
