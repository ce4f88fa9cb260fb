import ArgumentParser
import Foundation
import TextNLPBatches
import TextNLPPipeline

extension TextNLP {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the state of a batch and its shards.")

        @Argument(help: "A batch directory (default: the most recent batch under the output root).")
        var batch: String?

        @OptionGroup var root: OutputRootOption

        @Flag(name: .long, help: "Print the status as one JSON object.")
        var json = false

        func run() async throws {
            guard let directory = batch ?? BatchStatus.latest(outputRoot: root.resolved) else {
                throw CLIError.failed("no batch found under \(root.resolved)/batches; give a batch directory")
            }
            let status: BatchStatus
            do {
                status = try await BatchStatus.load(directory: directory)
            } catch {
                throw error
            }
            Output.line(json ? JSONWriter.string(status.json) : status.text)
        }
    }
}
