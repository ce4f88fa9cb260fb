import Foundation
import Hummingbird
import TextNLPBatches
import TextNLPJobs
import TextNLPPipeline

/// OpenAI's `/v1/batches`: create from an uploaded input file, retrieve, list, cancel. The batch runs as a
/// textnlp pipeline (ingest the checked lines, generate with each line's parameters, export) on the same
/// store and workers as every other batch.
struct OpenAIBatchesRoutes {
    let deps: ServerDependencies
    var store: any ServerStore { deps.store }
    var lookup: BatchLookup { BatchLookup(store: store) }

    static let endpoints = ["/v1/chat/completions", "/v1/completions"]

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("batches", use: create)
        group.get("batches", use: list)
        group.get("batches/{id}", use: show)
        group.post("batches/{id}/cancel", use: cancel)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.object(request, limit: deps.limits.bodyBytes)
        let r = FieldReader(object: body)
        try r.only(["input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"])
        let fileID = try r.string("input_file_id", required: true) ?? ""
        let endpoint = try r.string("endpoint", required: true) ?? ""
        guard Self.endpoints.contains(endpoint) else {
            throw APIError.invalid("Invalid 'endpoint': '\(endpoint)' (supported: \(Self.endpoints.joined(separator: ", "))).", param: "endpoint", code: "invalid_value")
        }
        let window = try r.string("completion_window", required: true) ?? ""
        guard window == "24h" else { throw APIError.invalid("Invalid 'completion_window': only '24h' is supported.", param: "completion_window", code: "invalid_value") }
        let metadata = try Self.metadata(r.object("metadata"))
        guard let file = try await store.file(id: fileID, tenant: context.tenant) else { throw APIError.notFound("file", fileID, param: "input_file_id") }
        guard file.purpose == "batch" else {
            throw APIError.invalid("The file '\(fileID)' has purpose '\(file.purpose)'; a batch needs a file uploaded with purpose 'batch'.", param: "input_file_id", code: "invalid_value")
        }
        let bytes = try await store.artifactBytes(group: FileRecord.group(fileID), name: FileRecord.contentName) ?? []
        let checked = BatchInputFile.check(bytes, endpoint: endpoint, knownModels: deps.localModels)
        // The batch's tokens count against the key's tokens per minute when it is created.
        try await RateLimiter(store: store, now: deps.now).spend(checked.estimatedTokens, key: context.key)
        let id = "batch_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
        let details = BatchDetails(endpoint: endpoint, inputFileID: fileID, completionWindow: window, metadata: metadata,
                                   model: checked.model, errors: checked.errors)
        if !checked.errors.isEmpty {
            // The input failed validation: the batch is recorded as failed, with the problems, and runs nothing.
            _ = try await store.recordBatch(BatchRecord(id: id, name: "openai-batch", idempotencyKey: nil, queue: "default", model: checked.model,
                                                        specSHA256: "", tenant: context.tenant, details: details.json))
        } else {
            try await RequestBatch.submit(id: id, name: "openai-batch", rows: checked.rows, chat: endpoint == "/v1/chat/completions", model: checked.model ?? "",
                                          tenant: context.tenant, details: details.json, deps: deps)
        }
        return try await respond(id, tenant: context.tenant)
    }

    static func metadata(_ object: JSONObject?) throws -> JSONValue {
        guard let object else { return .null }
        guard object.pairs.count <= 16 else { throw APIError.invalid("'metadata' may hold at most 16 keys.", param: "metadata", code: "invalid_value") }
        for (key, value) in object.pairs {
            guard key.count <= 64 else { throw APIError.invalid("Metadata keys may be at most 64 characters.", param: "metadata.\(key)", code: "invalid_value") }
            guard case .string(let s) = value, s.count <= 512 else {
                throw APIError.invalid("Metadata values must be strings of at most 512 characters.", param: "metadata.\(key)", code: "invalid_value")
            }
        }
        return .object(object)
    }

    /// The batch object of any batch of the tenant (a pipeline batch shows as endpoint `/v1/batch`).
    func object(_ record: BatchRecord, _ status: BatchStatus) async throws -> JSONValue {
        let details = BatchDetails(record) ?? BatchDetails(endpoint: "/v1/batch", inputFileID: "", completionWindow: "24h",
                                                           metadata: Self.ownMetadata(record), model: record.model, errors: [])
        var files: (output: String?, errors: String?) = (nil, nil)
        // Made once nothing more runs (an expired batch: once its running shards have stopped).
        if BatchDetails(record) != nil, details.errors.isEmpty, ["completed", "failed", "cancelled"].contains(status.status) {
            files = try await BatchResults(store: store, scratch: (deps.scratch as NSString).appendingPathComponent("results")).files(record, details: details)
        }
        return BatchObject.json(record, details: details, status: status, files: files)
    }

    /// The metadata a `/v1/batch` request gave.
    static func ownMetadata(_ record: BatchRecord) -> JSONValue {
        guard let text = record.details, case .object(let o)? = try? JSONParser.parse(text) else { return .null }
        return o["metadata"] ?? .null
    }

    /// How long a batch object is answered from memory: an ended batch changes no more (but a pipeline batch
    /// may be submitted again), a running one changes by the second.
    static func cacheSeconds(_ object: JSONValue) -> Double {
        ["completed", "failed", "cancelled", "expired"].contains(object.objectValue?["status"]?.stringValue ?? "") ? 5 : 0.5
    }

    func respond(_ id: String, tenant: String) async throws -> Response {
        let key = tenant + "\u{0}" + id
        if let (cached, refresh) = deps.batchObjects.lookup(key), !refresh { return JSONBody.response(cached) }
        let (record, status) = try await lookup.find(id, tenant: tenant)
        let object = try await object(record, status)
        let buffer = JSONBody.buffer(object)
        deps.batchObjects.set(key, buffer, ttl: Self.cacheSeconds(object))
        return JSONBody.response(buffer)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await respond(try context.id("batch", param: "batch_id"), tenant: context.tenant)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let page = try Page(request)
        let records = try await store.batches(after: page.after, limit: page.limit + 1, tenant: context.tenant)
        var items: [JSONValue] = []
        for record in records {
            items.append(try await object(record, ClusterBatches.status(record, jobs: try await store.jobs(group: record.id))))
        }
        return JSONBody.response(page.list(items, ids: records.map(\.id)))
    }

    @Sendable func cancel(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.id("batch", param: "batch_id")
        let (record, status) = try await lookup.cancel(id, tenant: context.tenant) { record, status in
            BatchObject.status(BatchDetails(record) ?? BatchDetails(endpoint: "", inputFileID: "", completionWindow: "", metadata: .null, model: nil, errors: []), status)
        }
        let answer = try await object(record, status)
        let buffer = JSONBody.buffer(answer)
        deps.batchObjects.set(context.tenant + "\u{0}" + id, buffer, ttl: Self.cacheSeconds(answer))
        return JSONBody.response(buffer)
    }
}
