import Foundation
import Hummingbird
import TextNLPBatches
import TextNLPJobs
import TextNLPPipeline

/// Anthropic's Message Batches: `POST /v1/messages/batches` (requests inline, each checked as `/v1/messages`
/// checks its body), retrieve, list, cancel, `DELETE`, and `GET .../results` (JSON lines). A message batch is
/// a batch like any other: `/v1/batches` and `/v1/batch` show it too, and the same workers run it.
struct AnthropicBatchesRoutes {
    let deps: ServerDependencies
    var store: any ServerStore { deps.store }
    static let maxRequests = 100_000
    static let idCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("messages/batches", use: create)
        group.get("messages/batches", use: list)
        group.get("messages/batches/{id}", use: show)
        group.post("messages/batches/{id}/cancel", use: cancel)
        group.delete("messages/batches/{id}", use: delete)
        group.get("messages/batches/{id}/results", use: results)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.object(request, limit: deps.limits.uploadBytes)
        try FieldReader(object: body).only(["requests"])
        guard case .array(let requests)? = body["requests"], !requests.isEmpty else {
            throw APIError.invalid("requests: a non-empty array of requests is required.", param: "requests", code: "missing_required_parameter")
        }
        guard requests.count <= Self.maxRequests else {
            throw APIError.invalid("requests: at most \(Self.maxRequests) requests per batch.", param: "requests", code: "invalid_value")
        }
        var ids: [String] = []
        var seen: Set<String> = []
        var rows: [UInt8] = []
        var model: String?
        var tokens = 0
        for (i, item) in requests.enumerated() {
            let path = "requests.\(i)"
            guard case .object(let r) = item else { throw APIError.invalid("\(path): a request must be an object.", param: path, code: "invalid_type") }
            let reader = FieldReader(object: r, prefix: path)
            try reader.only(["custom_id", "params"])
            let id = try reader.string("custom_id", required: true) ?? ""
            guard (1...64).contains(id.count), id.unicodeScalars.allSatisfy({ Self.idCharacters.contains($0) }) else {
                throw APIError.invalid("\(path).custom_id: 1 to 64 letters, digits, '-' or '_'.", param: "\(path).custom_id", code: "invalid_value")
            }
            guard seen.insert(id).inserted else {
                throw APIError.invalid("\(path).custom_id: '\(id)' is used twice; custom ids must be unique within a batch.", param: "\(path).custom_id", code: "invalid_value")
            }
            guard let params = try reader.object("params") else {
                throw APIError.invalid("\(path).params: Field required.", param: "\(path).params", code: "missing_required_parameter")
            }
            let parsed = try AnthropicMessageRequest.parse(params, prefix: "\(path).params")
            guard !parsed.stream else {
                throw APIError.invalid("\(path).params.stream: a batch request cannot stream.", param: "\(path).params.stream", code: "invalid_value")
            }
            guard deps.localModels.contains(parsed.model) else {
                throw APIError(.notFound, "\(path).params.model: the model '\(parsed.model)' does not exist or is not available on this server.",
                               param: "\(path).params.model", code: "model_not_found")
            }
            if let model, model != parsed.model {
                throw APIError.invalid("\(path).params.model: every request of a batch here names the same model ('\(model)').", param: "\(path).params.model", code: "invalid_value")
            }
            model = parsed.model
            ids.append(id)
            let row = Self.row(id, parsed)
            tokens += (parsed.maxTokens ?? 0) + JSONWriter.string(row).utf8.count / 4
            rows += Array((JSONWriter.string(row) + "\n").utf8)
        }
        try await RateLimiter(store: store, now: deps.now).spend(tokens, key: context.key)
        let id = "msgbatch_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
        var details = BatchDetails(endpoint: AnthropicBatchObject.endpoint, inputFileID: "", completionWindow: "24h", metadata: .null, model: model, errors: [])
        details.requests = ids.count
        try await store.putArtifact(group: id, name: AnthropicBatchResults.requestsArtifact, bytes: Array(ids.joined(separator: "\n").utf8))
        try await RequestBatch.submit(id: id, name: "message-batch", rows: rows, chat: true, model: model ?? "", tenant: context.tenant,
                                      details: details.json, deps: deps)
        let (record, status) = try await BatchLookup(store: store).find(id, tenant: context.tenant)
        return JSONBody.response(AnthropicBatchObject.json(record, status, resultsURL: resultsURL(request, id)))
    }

    /// The generate stage's row of a checked request.
    static func row(_ id: String, _ r: OnlineRequest) -> JSONValue {
        var messages: [JSONValue] = []
        if case .messages(let ms) = r.prompt {
            messages = ms.map { .object(JSONObject([("role", .string($0.role)), ("content", .string($0.content))])) }
        }
        var params = JSONObject([
            ("max_tokens", .int(Int64(r.maxTokens ?? RequestBatch.defaultMaxTokens))), ("temperature", .double(Double(r.sampling.temperature))),
            ("top_p", .double(Double(r.sampling.topP))), ("top_k", .int(Int64(r.sampling.topK))),
        ])
        if !r.stop.isEmpty { params["stop"] = .array(r.stop.map(JSONValue.string)) }
        if let seed = r.seed { params["seed"] = .int(Int64(bitPattern: seed)) }
        return .object(JSONObject([("custom_id", .string(id)), ("messages", .array(messages)), ("params", .object(params))]))
    }

    /// Where the SDK fetches the results: an absolute URL on the host the client called.
    func resultsURL(_ request: Request, _ id: String) -> String {
        let host = request.head.authority ?? request.uri.host ?? "127.0.0.1"
        return "http://\(host)/v1/messages/batches/\(id)/results"
    }

    func find(_ request: Request, _ context: APIRequestContext) async throws -> (BatchRecord, BatchStatus) {
        let id = try context.id("message batch", param: "message_batch_id")
        let (record, status) = try await BatchLookup(store: store).find(id, tenant: context.tenant)
        guard AnthropicBatchObject.isAnthropic(record) else { throw APIError.notFound("message batch", id, param: "message_batch_id") }
        return (record, status)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (record, status) = try await find(request, context)
        return JSONBody.response(AnthropicBatchObject.json(record, status, resultsURL: resultsURL(request, record.id)))
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        if query["before_id"] != nil {
            throw APIError.invalid("before_id: paging backwards is not supported here; page with after_id.", param: "before_id", code: "unsupported_parameter")
        }
        var limit = 20
        if let text = query["limit"] {
            guard let n = Int(String(text)), (1...1000).contains(n) else {
                throw APIError.invalid("limit: an integer in 1...1000.", param: "limit", code: "invalid_value")
            }
            limit = n
        }
        var after = query["after_id"].map(String.init)
        var found: [(BatchRecord, BatchStatus)] = []
        var exhausted = false
        // Message batches among all of the tenant's batches, newest first.
        while found.count <= limit && !exhausted {
            let page = try await store.batches(after: after, limit: 200, tenant: context.tenant)
            exhausted = page.count < 200
            after = page.last?.id
            for record in page where AnthropicBatchObject.isAnthropic(record) && found.count <= limit {
                found.append((record, ClusterBatches.status(record, jobs: try await store.jobs(group: record.id))))
            }
        }
        let shown = found.prefix(limit)
        return JSONBody.response(.object(JSONObject([
            ("data", .array(shown.map { AnthropicBatchObject.json($0.0, $0.1, resultsURL: resultsURL(request, $0.0.id)) })),
            ("has_more", .bool(found.count > limit)),
            ("first_id", shown.first.map { .string($0.0.id) } ?? .null), ("last_id", shown.last.map { .string($0.0.id) } ?? .null),
        ])))
    }

    @Sendable func cancel(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (record, _) = try await find(request, context)
        let (after, status) = try await BatchLookup(store: store).cancel(record.id, tenant: context.tenant) { record, status in
            BatchObject.status(BatchDetails(record) ?? BatchDetails(endpoint: "", inputFileID: "", completionWindow: "", metadata: .null, model: nil, errors: []), status)
        }
        deps.batchObjects.remove(context.tenant + "\u{0}" + record.id)
        return JSONBody.response(AnthropicBatchObject.json(after, status, resultsURL: resultsURL(request, record.id)))
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (record, status) = try await find(request, context)
        guard AnthropicBatchObject.processing(AnthropicBatchObject.state(record, status)) == "ended", try await store.deleteBatch(id: record.id) else {
            throw APIError.invalid("The message batch \(record.id) is still processing; cancel it and delete it once it has ended.", param: "message_batch_id",
                                   code: "batch_not_ended")
        }
        deps.batchObjects.remove(context.tenant + "\u{0}" + record.id)
        return JSONBody.response(.object(JSONObject([("id", .string(record.id)), ("type", .string("message_batch_deleted"))])))
    }

    @Sendable func results(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (record, status) = try await find(request, context)
        let state = AnthropicBatchObject.state(record, status)
        guard AnthropicBatchObject.processing(state) == "ended" else {
            throw APIError.invalid("The results of \(record.id) are available once it has ended (it is \(AnthropicBatchObject.processing(state))).",
                                   param: "message_batch_id", code: "batch_not_ended")
        }
        let bytes = try await AnthropicBatchResults(store: store).jsonl(record, state: state)
        return Response(status: .ok, headers: [.contentType: "application/x-jsonl"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
