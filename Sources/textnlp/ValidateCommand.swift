import ArgumentParser
import Foundation
import TextNLPInference
import TextNLPPipeline

extension TextNLP {
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check pipeline files: every problem at once, each with its JSON path (exit 2 when any).")

        @Argument(help: "Pipeline files.")
        var files: [String]

        @OptionGroup var root: OutputRootOption

        @Flag(name: .long, help: "One JSON object per file: {file, valid, issues: [{path, message}]}.")
        var json = false

        func run() async throws {
            var failed = 0
            let catalog = try ModelCatalog()
            for file in files {
                var issues: [SpecIssue]
                do {
                    let spec = try PipelineSpec.decode(contentsOf: URL(fileURLWithPath: file))
                    issues = PipelineChecks(outputRoot: root.resolved, catalog: catalog).issues(for: spec)
                } catch let error as SpecError {
                    issues = error.issues
                }
                if !issues.isEmpty { failed += 1 }
                if json {
                    let list = JSONValue.array(issues.map { .object(JSONObject([("path", .string($0.path)), ("message", .string($0.message))])) })
                    Output.line(JSONWriter.string(.object(JSONObject([("file", .string(file)), ("valid", .bool(issues.isEmpty)), ("issues", list)]))))
                } else if issues.isEmpty {
                    Output.line("\(file): ok")
                } else {
                    Output.line(SpecError(file: file, issues: issues).description)
                }
            }
            if failed > 0 { throw ExitCode(2) }
        }
    }
}
