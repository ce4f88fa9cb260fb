import ArgumentParser
import Foundation
import TextNLPBatches
import TextNLPPipeline

extension TextNLP {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the state of a batch and its shards.")

        @Argument(help: "A batch id (with a database or a server's --data-dir) or a batch directory (default: the most recent batch).")
        var batch: String?

        @OptionGroup var root: OutputRootOption
        @OptionGroup var where_: BatchStoreOption

        @Flag(name: .long, help: "Print the status as one JSON object.")
        var json = false

        func run() async throws {
            let status: BatchStatus
            if where_.isSet, !(batch.map { FileManager.default.fileExists(atPath: $0) } ?? false) {
                status = try await where_.with(for: "status") { store in
                    let latest = batch == nil ? try await store.batches(limit: 1).first?.id : nil
                    guard let id = batch ?? latest else {
                        throw CLIError.failed("no batch in \(store.description)")
                    }
                    return try await ClusterBatches.status(id, in: store)
                }
            } else {
                guard let directory = batch ?? BatchStatus.latest(outputRoot: root.resolved) else {
                    throw CLIError.failed("no batch found under \(root.resolved)/batches; give a batch directory")
                }
                status = try await BatchStatus.load(directory: directory)
            }
            Output.line(json ? JSONWriter.string(status.json) : status.text)
        }
    }
}
