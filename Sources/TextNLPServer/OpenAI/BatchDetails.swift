import TextNLPJobs
import TextNLPPipeline

/// What an OpenAI batch records beside its jobs (`BatchRecord.details`): the request's fields and the
/// input file's problems, if it had any (then the batch failed at once and has no jobs).
struct BatchDetails: Sendable {
    var endpoint: String
    var inputFileID: String
    var completionWindow: String
    var metadata: JSONValue
    var model: String?
    var errors: [BatchInputFile.LineError]
    /// When the batch passed its completion window unfinished and was stopped.
    var expiredAt: Double?
    /// The requests the batch was given (a message batch's; an input file's count once it is ingested).
    var requests: Int?

    static let api = "openai"

    var json: String {
        JSONWriter.string(.object(JSONObject([
            ("api", .string(Self.api)), ("endpoint", .string(endpoint)), ("input_file_id", .string(inputFileID)),
            ("completion_window", .string(completionWindow)), ("metadata", metadata),
            ("model", model.map(JSONValue.string) ?? .null), ("errors", .array(errors.map(\.json))),
            ("expired_at", expiredAt.map(JSONValue.double) ?? .null), ("requests", requests.map { .int(Int64($0)) } ?? .null),
        ])))
    }

    /// The details of an OpenAI batch; nil for a batch of another door (the command line, `/v1/batch`).
    init?(_ record: BatchRecord) {
        guard let text = record.details, case .object(let o)? = try? JSONParser.parse(text), o["api"] == .string(Self.api) else { return nil }
        endpoint = o["endpoint"]?.stringValue ?? ""
        inputFileID = o["input_file_id"]?.stringValue ?? ""
        completionWindow = o["completion_window"]?.stringValue ?? "24h"
        metadata = o["metadata"] ?? .null
        model = o["model"]?.stringValue
        errors = (o["errors"]?.arrayValue ?? []).compactMap(\.objectValue).map { e in
            BatchInputFile.LineError(code: e["code"]?.stringValue ?? "", message: e["message"]?.stringValue ?? "",
                                     param: e["param"]?.stringValue, line: e["line"]?.doubleValue.map { Int($0) })
        }
        expiredAt = o["expired_at"]?.doubleValue
        requests = o["requests"]?.doubleValue.map { Int($0) }
    }

    init(endpoint: String, inputFileID: String, completionWindow: String, metadata: JSONValue, model: String?, errors: [BatchInputFile.LineError]) {
        self.endpoint = endpoint
        self.inputFileID = inputFileID
        self.completionWindow = completionWindow
        self.metadata = metadata
        self.model = model
        self.errors = errors
    }
}
