import Foundation
import Hummingbird
import TextNLPPipeline

/// `POST /v1/format`: a format stage (style, fields, post steps) applied to the rows given, as a pipeline
/// applies it. The stage comes inline (`"format": {...}`, checked as a pipeline's is) or from a named
/// pipeline's first format stage. Rows that a post step drops or fails are listed with the reason.
struct FormatRoute {
    let deps: ServerDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("format", use: format)
    }

    @Sendable func format(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.object(request, limit: deps.limits.bodyBytes)
        let r = FieldReader(object: body)
        try r.only(["format", "pipeline", "rows"])
        guard case .array(let rows)? = body["rows"] else {
            throw APIError.invalid("Missing required parameter: 'rows' (an array of objects).", param: "rows", code: "missing_required_parameter")
        }
        let stage = try FormatStage(try spec(body))
        var data: [JSONValue] = []
        var errors: [JSONValue] = []
        for (i, value) in rows.enumerated() {
            guard case .object(let fields) = value else {
                throw APIError.invalid("Invalid type for 'rows[\(i)]': expected an object, but got \(value.typeName).", param: "rows[\(i)]", code: "invalid_type")
            }
            let id: String = switch fields["id"] {
            case .string(let s)?: s
            case .int(let n)?: String(n)
            default: String(i)
            }
            switch stage.apply(Row(id: id, fields: fields)) {
            case .row(let row): data.append(.object(row.record))
            case .drop(let e), .fail(let e):
                errors.append(.object(JSONObject([("index", .int(Int64(i))), ("id", .string(id)), ("reason", .string(e.reason))])))
            }
        }
        return JSONBody.response(.object(JSONObject([("object", .string("list")), ("data", .array(data)), ("errors", .array(errors))])))
    }

    /// The format stage: inline, checked as a pipeline's with its JSON path, or a named pipeline's.
    private func spec(_ body: JSONObject) throws -> FormatSpec {
        switch (body["format"], body["pipeline"]) {
        case (.object(let format)?, nil):
            let wrapper = JSONValue.object(JSONObject([
                ("name", .string("format")),
                ("stages", .array([.object(JSONObject([("ingest", .object(JSONObject([("path", .string("rows.jsonl"))])))])),
                                   .object(JSONObject([("format", .object(format))])),
                                   .object(JSONObject([("export", .object(JSONObject([("path", .string("x.jsonl.zst"))])))]))])),
            ]))
            do {
                let spec = try PipelineSpec.decode(Array(JSONWriter.string(wrapper).utf8), file: "format")
                for case .format(let f) in spec.stages { return f }
            } catch let error as SpecError {
                let issues = error.issues.map { issue in (issue.path.replacingOccurrences(of: "stages[1].format", with: "format"), issue.message) }
                var e = APIError.invalid("The format stage has \(issues.count) problem(s): " + issues.map { "\($0.0): \($0.1)" }.joined(separator: "; "),
                                         param: issues.first?.0, code: "invalid_format")
                e.problems = issues.map { (param: $0.0, message: $0.1) }
                throw e
            }
            throw APIError.invalid("The format stage could not be read.", param: "format", code: "invalid_format")
        case (nil, .string(let name)?):
            let data = try deps.pipelineFile(name)
            let spec: PipelineSpec
            do { spec = try PipelineSpec.decode(data, file: name) } catch {
                throw APIError.invalid("The pipeline '\(name)' on the server does not validate.", param: "pipeline", code: "invalid_pipeline")
            }
            for case .format(let f) in spec.stages { return f }
            throw APIError.invalid("The pipeline '\(name)' has no format stage.", param: "pipeline", code: "invalid_value")
        default:
            throw APIError.invalid("Give 'format' (an inline format stage) or 'pipeline' (a name), one of them.", param: "format", code: "invalid_value")
        }
    }
}
