import Hummingbird
import NIOCore
import TextNLPPipeline

/// JSON in and out: request bodies parsed into ordered objects with errors that name the field, and
/// responses written from `JSONValue`s (so that absent values are explicit nulls, as OpenAI's objects have).
enum JSONBody {
    static func response(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        response(buffer(value), status: status)
    }

    static func buffer(_ value: JSONValue) -> ByteBuffer { ByteBuffer(string: JSONWriter.string(value)) }

    static func response(_ buffer: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: buffer))
    }

    /// The request's body as a JSON object, at most `limit` bytes; a 413 above it, a 400 naming the problem otherwise.
    static func object(_ request: Request, limit: Int) async throws -> JSONObject {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "The request body is larger than \(limit) bytes.", code: "request_too_large")
        }
        let bytes = Array(buffer.readableBytesView)
        guard !bytes.isEmpty else { throw APIError.invalid("The request body is empty; a JSON object was expected.", param: nil) }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw APIError.invalid("The request body is not valid UTF-8.", param: nil, code: "invalid_encoding")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw APIError.invalid("The request body is not valid JSON: \(error).", param: nil, code: "invalid_json")
        }
        guard case .object(let object) = value else {
            throw APIError.invalid("The request body must be a JSON object, not \(value.typeName).", param: nil, code: "invalid_type")
        }
        return object
    }
}

/// Typed reads of a request object's fields: a wrong type is a 400 naming the field.
struct FieldReader {
    let object: JSONObject
    var prefix = ""

    func path(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }

    func string(_ key: String, required: Bool = false) throws -> String? {
        switch object[key] {
        case .string(let s)?:
            guard !s.utf8.contains(0) else {
                throw APIError.invalid("Invalid '\(path(key))': it contains a NUL character.", param: path(key), code: "invalid_value")
            }
            return s
        case nil, .null?:
            if required { throw APIError.invalid("Missing required parameter: '\(path(key))'.", param: path(key), code: "missing_required_parameter") }
            return nil
        case let other?: throw APIError.invalid("Invalid type for '\(path(key))': expected a string, but got \(other.typeName).", param: path(key), code: "invalid_type")
        }
    }

    func int(_ key: String, in range: ClosedRange<Int64>) throws -> Int64? {
        switch object[key] {
        case .int(let n)?:
            guard range.contains(n) else {
                throw APIError.invalid("Invalid '\(path(key))': \(n) is not in \(range.lowerBound)...\(range.upperBound).", param: path(key), code: "invalid_value")
            }
            return n
        case nil, .null?: return nil
        case let other?: throw APIError.invalid("Invalid type for '\(path(key))': expected an integer, but got \(other.typeName).", param: path(key), code: "invalid_type")
        }
    }

    func object(_ key: String) throws -> JSONObject? {
        switch object[key] {
        case .object(let o)?: return o
        case nil, .null?: return nil
        case let other?: throw APIError.invalid("Invalid type for '\(path(key))': expected an object, but got \(other.typeName).", param: path(key), code: "invalid_type")
        }
    }

    /// Rejects keys outside `known`, naming the first.
    func only(_ known: Set<String>) throws {
        if let unknown = object.pairs.map(\.0).first(where: { !known.contains($0) }) {
            throw APIError.invalid("Unrecognized request argument supplied: '\(path(unknown))'.", param: path(unknown), code: "unknown_parameter")
        }
    }
}
