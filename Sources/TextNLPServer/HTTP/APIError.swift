import Hummingbird
import TextNLPPipeline

/// An error answered in OpenAI's shape: `{"error": {"type", "message", "param", "code"}}`, with a status.
/// `param` names the field or JSON path at fault.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var type: String
    public var message: String
    public var param: String?
    public var code: String?
    /// Extra headers (`Retry-After` on a 429, `WWW-Authenticate` on a 401).
    public var headers: HTTPFields
    /// Every problem when there are several (a pipeline that does not validate), each with its JSON path.
    public var problems: [(param: String, message: String)] = []

    public init(_ status: HTTPResponse.Status, type: String? = nil, _ message: String, param: String? = nil, code: String? = nil,
                headers: HTTPFields = [:]) {
        self.status = status
        self.type = type ?? Self.type(for: status)
        self.message = message
        self.param = param
        self.code = code
        self.headers = headers
    }

    static func type(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 409: "conflict_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        case 503: "service_unavailable"
        default: "server_error"
        }
    }

    public var description: String { "\(status.code) \(type): \(message)" + (param.map { " (\($0))" } ?? "") }

    public var json: JSONValue {
        var error = JSONObject([
            ("type", .string(type)), ("message", .string(message)),
            ("param", param.map(JSONValue.string) ?? .null), ("code", code.map(JSONValue.string) ?? .null),
        ])
        if !problems.isEmpty {
            error["problems"] = .array(problems.map { .object(JSONObject([("param", .string($0.param)), ("message", .string($0.message))])) })
        }
        return .object(JSONObject([("error", .object(error))]))
    }

    /// Anthropic's shape: `{"type": "error", "error": {"type", "message"}}`, with Anthropic's type names.
    public var anthropicJSON: JSONValue {
        let type: String = switch status.code {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        case 503: "overloaded_error"
        default: "api_error"
        }
        return .object(JSONObject([("type", .string("error")), ("error", .object(JSONObject([("type", .string(type)), ("message", .string(message))])))]))
    }

    /// Whether a path belongs to Anthropic's API, whose errors come in its shape.
    static func isAnthropic(_ path: String) -> Bool { path == "/v1/messages" || path.hasPrefix("/v1/messages/") }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONBody.response(Self.isAnthropic(request.uri.path) ? anthropicJSON : json, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    static func notFound(_ what: String, _ id: String, param: String? = nil) -> APIError {
        APIError(.notFound, "No \(what) found with id '\(id)'.", param: param, code: "not_found")
    }

    static func invalid(_ message: String, param: String?, code: String? = nil) -> APIError {
        APIError(.badRequest, message, param: param, code: code)
    }
}
