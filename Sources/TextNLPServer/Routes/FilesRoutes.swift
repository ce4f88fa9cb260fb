import Foundation
import Hummingbird
import NIOCore
import TextNLPJobs
import TextNLPPipeline

/// OpenAI's `/v1/files`: uploads (multipart, `purpose=batch`), metadata, content, deletion and the list.
/// A file of another tenant is not found.
struct FilesRoutes {
    let deps: ServerDependencies
    var store: any ServerStore { deps.store }

    static let purposes: Set<String> = ["batch", "user_data"]

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("files", use: upload)
        group.get("files", use: list)
        group.get("files/{id}", use: show)
        group.get("files/{id}/content", use: content)
        group.delete("files/{id}", use: delete)
    }

    static func json(_ f: FileRecord) -> JSONValue {
        .object(JSONObject([
            ("id", .string(f.id)), ("object", .string("file")), ("bytes", .int(f.bytes)), ("created_at", .int(Int64(f.createdAt))),
            ("filename", .string(f.filename)), ("purpose", .string(f.purpose)), ("status", .string("processed")),
            ("status_details", .null), ("expires_at", .null),
        ]))
    }

    @Sendable func upload(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let type = request.headers[.contentType], let boundary = Multipart.boundary(contentType: type) else {
            throw APIError.invalid("Uploads must be multipart/form-data with a 'file' and a 'purpose'.", param: nil, code: "invalid_content_type")
        }
        var request = request
        let body: [UInt8]
        do {
            body = Array(try await request.collectBody(upTo: deps.limits.uploadBytes).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "The upload is larger than \(deps.limits.uploadBytes) bytes.", param: "file", code: "file_too_large")
        }
        let form: Multipart
        do { form = try Multipart.parse(body, boundary: boundary) } catch {
            throw APIError.invalid("The multipart body is malformed: \(error.reason).", param: nil, code: "invalid_multipart")
        }
        guard let purposePart = form.parts.first(where: { $0.name == "purpose" }) else {
            throw APIError.invalid("Missing required parameter: 'purpose'.", param: "purpose", code: "missing_required_parameter")
        }
        let purpose = String(decoding: purposePart.body, as: UTF8.self)
        guard Self.purposes.contains(purpose) else {
            throw APIError.invalid("Invalid 'purpose': '\(purpose)' (this server takes \(Self.purposes.sorted().joined(separator: ", "))).",
                                   param: "purpose", code: "invalid_value")
        }
        guard let file = form.parts.first(where: { $0.name == "file" }) else {
            throw APIError.invalid("Missing required parameter: 'file'.", param: "file", code: "missing_required_parameter")
        }
        guard !file.body.isEmpty else { throw APIError.invalid("The file is empty.", param: "file", code: "empty_file") }
        if purpose == "batch", String(validating: file.body, as: UTF8.self) == nil {
            throw APIError.invalid("A batch input file must be UTF-8 JSON lines; this one is not valid UTF-8.", param: "file", code: "invalid_encoding")
        }
        let id = "file-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
        try await store.putArtifact(group: FileRecord.group(id), name: FileRecord.contentName, bytes: Array(file.body))
        let record = try await store.recordFile(FileRecord(id: id, tenant: context.tenant, filename: String((file.filename ?? "upload.jsonl").filter { $0 != "\u{0}" }.prefix(255)),
                                                           purpose: purpose, bytes: Int64(file.body.count)))
        return JSONBody.response(Self.json(record))
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let page = try Page(request)
        let files = try await store.files(tenant: context.tenant, after: page.after, limit: page.limit + 1)
        return JSONBody.response(page.list(files.map(Self.json), ids: files.map(\.id)))
    }

    func record(_ context: APIRequestContext) throws -> String {
        try context.id("file", param: "file_id")
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try record(context)
        guard let file = try await store.file(id: id, tenant: context.tenant) else { throw APIError.notFound("file", id, param: "file_id") }
        return JSONBody.response(Self.json(file))
    }

    @Sendable func content(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try record(context)
        guard let file = try await store.file(id: id, tenant: context.tenant) else { throw APIError.notFound("file", id, param: "file_id") }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream", .contentLength: String(file.bytes)],
                        body: ArtifactBody.stream(store: store, group: FileRecord.group(id), name: FileRecord.contentName))
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try record(context)
        guard try await store.deleteFile(id: id, tenant: context.tenant) else { throw APIError.notFound("file", id, param: "file_id") }
        return JSONBody.response(.object(JSONObject([("id", .string(id)), ("object", .string("file")), ("deleted", .bool(true))])))
    }
}

/// `?after=ID&limit=N` of a list, and the list object OpenAI answers with.
struct Page {
    var after: String?
    var limit: Int

    init(_ request: Request) throws {
        after = request.uri.queryParameters.get("after").flatMap { $0.isEmpty ? nil : $0 }
        if let after, after.utf8.contains(0) || after.utf8.count > 256 {
            throw APIError.invalid("Invalid 'after': not an id.", param: "after", code: "invalid_value")
        }
        if let text = request.uri.queryParameters.get("limit") {
            guard let n = Int(text), (1...100).contains(n) else {
                throw APIError.invalid("Invalid 'limit': '\(text)' is not an integer in 1...100.", param: "limit", code: "invalid_value")
            }
            limit = n
        } else {
            limit = 20
        }
    }

    /// `items` holds up to `limit + 1` entries: one more than fits says there are more.
    func list(_ items: [JSONValue], ids: [String]) -> JSONValue {
        let shown = Array(items.prefix(limit)), shownIDs = Array(ids.prefix(limit))
        return .object(JSONObject([
            ("object", .string("list")), ("data", .array(shown)),
            ("first_id", shownIDs.first.map(JSONValue.string) ?? .null), ("last_id", shownIDs.last.map(JSONValue.string) ?? .null),
            ("has_more", .bool(items.count > limit)),
        ]))
    }
}
