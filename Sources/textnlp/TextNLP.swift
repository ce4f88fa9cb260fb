import ArgumentParser
import Foundation
import TextNLPInference
import TextNLPPipeline

@main
struct TextNLP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "textnlp",
        abstract: "Batch text generation: a native GGUF engine, validation metrics and durable pipelines.",
        subcommands: [Run.self, Submit.self, Worker.self, Serve.self, Keys.self, Status.self, Cancel.self, Batches.self, Download.self, Jobs.self, Validate.self, Models.self, Tokenize.self, Generate.self, Logits.self, Perplexity.self, Score.self, Bench.self]
    )

    static func main() async {
        // Arguments must be valid UTF-8; Swift would silently repair them.
        for i in 1..<Int(CommandLine.argc) {
            if let raw = CommandLine.unsafeArgv[i], String(validatingCString: raw) == nil {
                FileHandle.standardError.write(Data("textnlp: error: argument \(i) is not valid UTF-8\n".utf8))
                Foundation.exit(2)
            }
        }
        BLASThreads.singleThreadIfUnused()
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            report(parserError: error)
        }
        do {
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch let error where error is ValidationError || error is CleanExit || exitCode(for: error) == .success {
            // `textnlp help` runs a command whose run throws the help request.
            report(parserError: error)
        } catch {
            // The command's own errors are typed and carry their context; each prints whole.
            FileHandle.standardError.write(Data("textnlp: error: \(error)\n".utf8))
            Foundation.exit(CLIError.exitCode(for: error))
        }
    }

    /// Help and version requests print as usual; every parser error is one line.
    static func report(parserError error: any Error) -> Never {
        guard exitCode(for: error) != .success else { exit(withError: error) }
        let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        FileHandle.standardError.write(Data("textnlp: error: \(message)\n".utf8))
        Foundation.exit(exitCode(for: error).rawValue)
    }
}

/// `--model`, shared by every command that loads a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A model id from Models/models.json, or a path to a .gguf file.")
    var model: String = "smollm2-135m-instruct"

    /// The model, resolved through the catalogue (read once, here) and loaded.
    func load() throws -> LoadedModel {
        try LoadedModel(try resolve())
    }

    func resolve() throws -> ResolvedModel {
        try ModelCatalog().resolve(model)
    }
}

/// An error already worded for the user, with its exit code.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let exitCode: Int32

    static func failed(_ message: String, exitCode: Int32 = 1) -> CLIError {
        CLIError(description: message, exitCode: exitCode)
    }

    /// 2 for input that cannot be used as given (an invalid pipeline), the error's own code for a CLIError, else 1.
    static func exitCode(for error: any Error) -> Int32 {
        switch error {
        case let error as CLIError: error.exitCode
        case is SpecError: 2
        default: 1
        }
    }
}

/// Writes to standard output without buffering surprises when streaming.
enum Output {
    static func write(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }

    static func line(_ s: String) {
        write(s + "\n")
    }

    /// One compact JSON line of a Foundation-compatible value.
    static func json(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }
}
