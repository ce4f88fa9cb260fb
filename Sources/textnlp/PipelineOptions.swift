import ArgumentParser
import Foundation
import TextNLPInference
import TextNLPPipeline

/// `--output-root`, shared by the pipeline commands.
struct OutputRootOption: ParsableArguments {
    @Option(name: .long, help: "Where batches and their outputs go (default: $TEXTNLP_OUTPUT_ROOT or out/).")
    var outputRoot: String?

    var resolved: String {
        outputRoot ?? ProcessInfo.processInfo.environment["TEXTNLP_OUTPUT_ROOT"] ?? "out"
    }
}

/// Decodes a pipeline file and runs the machine checks; every problem becomes one line of a CLIError (exit 2).
enum PipelineLoader {
    static func load(_ path: String, outputRoot: String, catalog: ModelCatalog) throws -> PipelineSpec {
        let spec: PipelineSpec
        do {
            spec = try PipelineSpec.decode(contentsOf: URL(fileURLWithPath: path))
        } catch let error as SpecError {
            throw CLIError.failed(error.description, exitCode: 2)
        }
        let issues = PipelineChecks(outputRoot: outputRoot, catalog: catalog).issues(for: spec)
        if !issues.isEmpty {
            throw CLIError.failed(SpecError(file: path, issues: issues).description, exitCode: 2)
        }
        return spec
    }
}
