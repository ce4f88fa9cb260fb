import ArgumentParser
import Foundation
import TextNLPBatches
import TextNLPInference
import TextNLPPipeline

extension TextNLP {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a pipeline as a durable batch; run it again to resume after Ctrl-C, SIGTERM or a crash.")

        @Argument(help: "The pipeline file (see Pipelines/README.md).")
        var pipeline: String

        @OptionGroup var root: OutputRootOption

        @Option(name: .long, help: "Shards worked on at once (default: the pipeline's execution.workers).")
        var workers: Int?

        @Flag(name: .long, help: "No progress display.")
        var quiet = false

        func validate() throws {
            if let workers, !(1...64).contains(workers) { throw ValidationError("--workers must be between 1 and 64") }
        }

        func run() async throws {
            let outputRoot = root.resolved
            let spec = try PipelineLoader.load(pipeline, outputRoot: outputRoot)
            let progress = BatchProgress()
            let runner = BatchRunner(spec: spec, outputRoot: outputRoot, workers: workers, catalog: try? ModelCatalog(), progress: progress)
            let paths: (layout: BatchLayout, outputs: OutputPaths)
            do { paths = try runner.paths() } catch { throw CLIError.failed("\(error)") }
            FileHandle.standardError.write(Data("textnlp: batch \(paths.layout.batchID) (\(paths.layout.directory))\n".utf8))

            let work = Task { try await runner.run() }
            let signals = SignalForwarder { work.cancel() }
            let display = quiet ? nil : Task { await ProgressDisplay(progress: progress).run() }
            let outcome: BatchRunner.Outcome
            do {
                outcome = try await work.value
            } catch {
                display?.cancel()
                throw CLIError.failed("\(error)")
            }
            display?.cancel()
            _ = await display?.value
            withExtendedLifetime(signals) {}
            switch outcome {
            case .completed, .alreadyCompleted:
                if outcome == .alreadyCompleted {
                    FileHandle.standardError.write(Data("textnlp: this batch already completed; nothing to do\n".utf8))
                }
                Output.line(RunSummary.text(outputs: paths.outputs))
            case .failed(let reasons):
                throw CLIError.failed("batch \(paths.layout.batchID) failed:\n" + reasons.map { "  \($0)" }.joined(separator: "\n")
                    + "\nfinished shards are kept; fix the cause and run the same command to retry what failed")
            case .interrupted:
                throw CLIError.failed("interrupted; finished shards are kept. Run the same command to resume.", exitCode: 130)
            }
        }
    }
}

/// Turns SIGINT and SIGTERM into one call (cancel the batch) instead of killing the process.
final class SignalForwarder {
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable () -> Void) {
        sources = [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    deinit { sources.forEach { $0.cancel() } }
}

/// The lines printed after a batch: where the dataset is and how fast it was made.
enum RunSummary {
    static func text(outputs: OutputPaths) -> String {
        guard let data = FileManager.default.contents(atPath: outputs.manifest),
              case .object(let m)? = try? JSONParser.parse(Array(data)) else {
            return "output: \(outputs.data)"
        }
        let rows = m["rows"]?.objectValue
        let timings = m["timings"]?.objectValue
        let tokens = m["tokens"]?.objectValue
        func n(_ v: JSONValue?) -> String { v.map { JSONWriter.number($0.doubleValue ?? 0) } ?? "?" }
        func f(_ v: JSONValue?) -> String { String(format: "%.1f", v?.doubleValue ?? 0) }
        return """
            output:   \(outputs.data)
            manifest: \(outputs.manifest)
            report:   \(outputs.reportHTML)
            rows: \(n(rows?["output"])) written, \(n(rows?["dropped"])) dropped, \(n(rows?["bad_input"])) bad input, \(n(rows?["flagged"])) flagged
            tokens: \(n(tokens?["prompt"])) prompt, \(n(tokens?["completion"])) completion
            speed: \(f(timings?["rows_per_second"])) rows/s, \(f(timings?["completion_tokens_per_second"])) tokens/s over \(f(timings?["shard_seconds"])) s of generation
            """
    }
}
