import ArgumentParser
import Foundation
import TextNLPInference

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the token ids of a text as a JSON array.",
        discussion: "With no TEXT, reads one JSON string per line from standard input and writes one JSON array per line."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Argument(help: "The text to tokenize.")
    var text: String?

    @Flag(help: "Do not recognise special tokens such as <|im_start|> in the text.")
    var noSpecial = false

    @Flag(help: "Do not add BOS/EOS even when the model asks for them.")
    var noAddSpecial = false

    func run() throws {
        let tokenizer = try Tokenizer(gguf: GGUFFile(path: modelOptions.resolve().path))
        func ids(_ s: String) -> String {
            "[" + tokenizer.encode(s, parseSpecial: !noSpecial, addSpecial: !noAddSpecial).map(String.init).joined(separator: ",") + "]"
        }
        if let text {
            Output.line(ids(text))
            return
        }
        var lineNumber = 0
        for line in try InputLines(handle: .standardInput, name: "standard input") {
            lineNumber += 1
            guard let value = try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed]) as? String else {
                throw CLIError.failed("standard input, line \(lineNumber): expected a JSON string", exitCode: 2)
            }
            Output.line(ids(value))
        }
    }
}
