import ArgumentParser
import Foundation
import Logging
import Synchronization
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
        @OptionGroup var database: DatabaseOption

        @Option(name: .long, help: "Shards worked on at once (default: the pipeline's execution.workers).")
        var workers: Int?

        @Flag(name: .long, help: "No progress display.")
        var quiet = false

        func validate() throws {
            if let workers, !(1...64).contains(workers) { throw ValidationError("--workers must be between 1 and 64") }
        }

        func run() async throws {
            // From here on a signal is a clean stop, whatever the batch is doing when it comes.
            let stop = StopRequest()
            let signals = SignalForwarder { stop.request() }
            defer { withExtendedLifetime(signals) {} }
            let outputRoot = root.resolved
            let catalog = try ModelCatalog()
            let spec = try PipelineLoader.load(pipeline, outputRoot: outputRoot, catalog: catalog)
            if database.url != nil {
                return try await runOnCluster(spec: spec, catalog: catalog, outputRoot: outputRoot, stop: stop)
            }
            let progress = BatchProgress()
            let runner = BatchRunner(spec: spec, outputRoot: outputRoot, workers: workers,
                                     model: try ModelSession.open(for: spec, catalog: catalog), progress: progress,
                                     logger: Logging.Logger(label: "textnlp.run"))
            let paths = try runner.paths()
            FileHandle.standardError.write(Data("textnlp: batch \(paths.layout.batchID) (\(paths.layout.directory))\n".utf8))

            let work = Task { try await runner.run() }
            stop.onRequest { work.cancel() }
            let display = quiet ? nil : Task { await ProgressDisplay(progress: progress).run() }
            defer { display?.cancel() }
            let outcome = try await work.value
            display?.cancel()
            _ = await display?.value
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

/// A stop asked for by a signal: remembered if it comes before anything can be cancelled, acted on once.
final class StopRequest: Sendable {
    private let state = Mutex<(requested: Bool, action: (@Sendable () -> Void)?)>((false, nil))

    func request() {
        let action = state.withLock { s -> (@Sendable () -> Void)? in
            s.requested = true
            return s.action
        }
        action?()
    }

    /// Runs `action` on the stop, at once if it was already requested.
    func onRequest(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            s.action = action
            return s.requested
        }
        if now { action() }
    }
}

/// Turns SIGINT and SIGTERM into one call (stop the batch cleanly) instead of killing the process. A
/// second signal ends the process at once (exit 130); the next run recovers what it left running.
final class SignalForwarder {
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable () -> Void) {
        let count = Mutex(0)
        sources = [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                let n = count.withLock { $0 += 1; return $0 }
                if n == 1 {
                    handler()
                } else {
                    FileHandle.standardError.write(Data("textnlp: stopped at once (second signal)\n".utf8))
                    Foundation.exit(130)
                }
            }
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
