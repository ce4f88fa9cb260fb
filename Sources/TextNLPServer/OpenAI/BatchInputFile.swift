import TextNLPPipeline

/// An OpenAI batch input file, checked line by line: the rows to run, or every line's problem.
struct BatchInputFile {
    struct LineError: Sendable, Equatable {
        var code: String
        var message: String
        var param: String?
        /// 1-based; nil for a problem of the whole file.
        var line: Int?

        var json: JSONValue {
            .object(JSONObject([
                ("code", .string(code)), ("message", .string(message)),
                ("param", param.map(JSONValue.string) ?? .null), ("line", line.map { .int(Int64($0)) } ?? .null),
            ]))
        }
    }

    var model: String?
    /// JSON lines of rows for the ingest stage.
    var rows: [UInt8] = []
    var count = 0
    var errors: [LineError] = []
    /// The tokens the requests may use, estimated before they run: a token per 4 bytes of prompt, plus
    /// each request's `max_tokens` (or the default).
    var estimatedTokens = 0

    /// At most this many problems are listed; the count of the others is said in the last one.
    static let maxErrors = 100

    static func check(_ bytes: [UInt8], endpoint: String, knownModels: Set<String>) -> BatchInputFile {
        var file = BatchInputFile()
        var seen: Set<String> = []
        var more = 0
        func add(_ e: LineError) {
            if file.errors.count < maxErrors { file.errors.append(e) } else { more += 1 }
        }
        var number = 0
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            number += 1
            var line = bytes[start..<end]
            start = end + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            switch BatchInputLine.parse(line, endpoint: endpoint) {
            case .failure(let p):
                add(LineError(code: p.code, message: p.message, param: p.param, line: number))
            case .success(let parsed):
                if !seen.insert(parsed.customID).inserted {
                    add(LineError(code: "duplicate_custom_id", message: "The custom_id '\(parsed.customID)' appears more than once.",
                                  param: "custom_id", line: number))
                    continue
                }
                if !knownModels.contains(parsed.model) {
                    add(LineError(code: "model_not_found", message: "The model '\(parsed.model)' does not exist (known: \(knownModels.sorted().joined(separator: ", "))).",
                                  param: "body.model", line: number))
                    continue
                }
                if let model = file.model, model != parsed.model {
                    add(LineError(code: "mismatched_model", message: "All lines of a batch must use one model; this line uses '\(parsed.model)', line 1 used '\(model)'.",
                                  param: "body.model", line: number))
                    continue
                }
                file.model = parsed.model
                file.rows += Array(JSONWriter.string(.object(parsed.row)).utf8) + [UInt8(ascii: "\n")]
                let maxTokens = parsed.row["params"]?.objectValue?["max_tokens"]?.doubleValue.map { Int($0) } ?? RequestBatch.defaultMaxTokens
                let samples = parsed.row["params"]?.objectValue?["n"]?.doubleValue.map { Int($0) } ?? 1
                file.estimatedTokens += line.count / 4 + maxTokens * samples
                file.count += 1
            }
        }
        if more > 0 { file.errors.append(LineError(code: "too_many_errors", message: "\(more) more line(s) have problems.", param: nil, line: nil)) }
        if file.count == 0 && file.errors.isEmpty {
            file.errors.append(LineError(code: "empty_file", message: "The input file has no requests.", param: nil, line: nil))
        }
        return file
    }
}
