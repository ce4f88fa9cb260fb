import Foundation
import Hummingbird
import TextNLPBatches
import TextNLPJobs
import TextNLPPipeline

/// textnlp's own door, the card's `/v1/batch`: a pipeline by name (from the server's pipelines
/// directory) or inline, over rows given inline, an uploaded file, or the named pipeline's own input.
/// The batch is the same one `textnlp status` shows, and its files stream from the store.
struct PipelineBatchRoutes {
    let deps: ServerDependencies
    var store: any ServerStore { deps.store }
    var openAI: OpenAIBatchesRoutes { OpenAIBatchesRoutes(deps: deps) }

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("batch", use: create)
        group.get("batch", use: openAI.list)
        group.get("batch/{id}", use: openAI.show)
        group.post("batch/{id}/cancel", use: openAI.cancel)
        for file in OutputFile.allCases {
            group.get("batch/{id}/\(file.rawValue)") { request, context in try await download(file, request, context) }
        }
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.object(request, limit: deps.limits.bodyBytes)
        let r = FieldReader(object: body)
        try r.only(["pipeline", "rows", "input_file_id", "idempotency_key", "metadata"])
        let key = try r.string("idempotency_key")
        if let key, key.isEmpty || key.count > 256 {
            throw APIError.invalid("'idempotency_key' must be 1 to 256 characters.", param: "idempotency_key", code: "invalid_value")
        }
        let metadata = try OpenAIBatchesRoutes.metadata(r.object("metadata"))
        if let key, let existing = try await store.batch(idempotencyKey: key, tenant: context.tenant) {
            return JSONBody.response(try await openAI.object(existing, ClusterBatches.status(existing, jobs: try await store.jobs(group: existing.id))))
        }
        let (root, inline) = try pipelineObject(body["pipeline"])
        let input = try await inputFile(body, context: context)
        defer { if let input { try? FileManager.default.removeItem(atPath: input) } }
        guard inline == false || input != nil else {
            throw APIError.invalid("An inline pipeline reads only what the request gives: send 'rows' or 'input_file_id'.", param: "rows", code: "missing_required_parameter")
        }
        let spec = try decode(root, input: input, inline: inline)
        let details = JSONWriter.string(.object(JSONObject([("api", .string("textnlp")), ("metadata", metadata)])))
        let submit = ClusterSubmit(spec: spec, model: try modelSession(spec), idempotencyKey: key, tenant: context.tenant, details: details)
        let submitted = try await submit.run(on: store)
        return JSONBody.response(try await openAI.object(submitted.batch, ClusterBatches.status(submitted.batch, jobs: try await store.jobs(group: submitted.batch.id))))
    }

    /// The pipeline as a JSON object, and whether it came inline.
    private func pipelineObject(_ value: JSONValue?) throws -> (JSONObject, Bool) {
        switch value {
        case .string(let name)?:
            let data = try deps.pipelineFile(name)
            guard case .object(let o)? = try? JSONParser.parse(data) else {
                throw APIError.invalid("The pipeline '\(name)' on the server is not a JSON object.", param: "pipeline", code: "invalid_pipeline")
            }
            return (o, false)
        case .object(let o)?:
            return (o, true)
        case nil, .null?:
            throw APIError.invalid("Missing required parameter: 'pipeline' (a name or an inline pipeline).", param: "pipeline", code: "missing_required_parameter")
        case let other?:
            throw APIError.invalid("Invalid type for 'pipeline': expected a name or an object, but got \(other.typeName).", param: "pipeline", code: "invalid_type")
        }
    }

    /// The rows the request gives, as a JSON lines file in the scratch directory; nil when it gives none.
    private func inputFile(_ body: JSONObject, context: APIRequestContext) async throws -> String? {
        var bytes: [UInt8]
        switch (body["rows"], body["input_file_id"]) {
        case (.array(let rows)?, nil), (.array(let rows)?, .null?):
            guard !rows.isEmpty else { throw APIError.invalid("'rows' is empty.", param: "rows", code: "invalid_value") }
            bytes = []
            for (i, row) in rows.enumerated() {
                guard case .object = row else {
                    throw APIError.invalid("Invalid type for 'rows[\(i)]': expected an object, but got \(row.typeName).", param: "rows[\(i)]", code: "invalid_type")
                }
                bytes += Array((JSONWriter.string(row) + "\n").utf8)
            }
        case (nil, .string(let id)?), (.null?, .string(let id)?):
            guard !id.utf8.contains(0), try await store.file(id: id, tenant: context.tenant) != nil else {
                throw APIError.notFound("file", id, param: "input_file_id")
            }
            bytes = try await store.artifactBytes(group: FileRecord.group(id), name: FileRecord.contentName) ?? []
        case (nil, nil), (.null?, .null?), (nil, .null?), (.null?, nil):
            return nil
        case (let rows?, nil), (let rows?, .null?):
            throw APIError.invalid("Invalid type for 'rows': expected an array, but got \(rows.typeName).", param: "rows", code: "invalid_type")
        case (nil, let id?), (.null?, let id?):
            throw APIError.invalid("Invalid type for 'input_file_id': expected a string, but got \(id.typeName).", param: "input_file_id", code: "invalid_type")
        default:
            throw APIError.invalid("Give 'rows' or 'input_file_id', not both.", param: "rows", code: "invalid_value")
        }
        let directory = (deps.scratch as NSString).appendingPathComponent("inputs")
        try AtomicFile.createDirectory(directory)
        let path = (directory as NSString).appendingPathComponent("rows-\(UUID().uuidString).jsonl")
        try AtomicFile.write(to: path) { try $0.write(contentsOf: bytes) }
        return path
    }

    /// The spec, with the ingest stage reading `input` (JSON lines) when the request gave rows; every
    /// problem of a pipeline that does not validate is in the 400, with its JSON path.
    private func decode(_ root: JSONObject, input: String?, inline: Bool) throws -> PipelineSpec {
        var root = root
        if let input, case .array(var stages)? = root["stages"] {
            for (i, stage) in stages.enumerated() {
                guard case .object(var s) = stage, case .object(var ingest)? = s["ingest"] else { continue }
                ingest["path"] = .string(input)
                ingest["format"] = .string("jsonl")
                s["ingest"] = .object(ingest)
                stages[i] = .object(s)
            }
            root["stages"] = .array(stages)
        }
        let spec: PipelineSpec
        do {
            spec = try PipelineSpec.decode(Array(JSONWriter.string(.object(root)).utf8), file: "pipeline")
        } catch let error as SpecError {
            var e = APIError.invalid("The pipeline has \(error.issues.count) problem(s): "
                                     + error.issues.map { "pipeline.\($0.path): \($0.message)" }.joined(separator: "; "),
                                     param: error.issues.first.map { "pipeline.\($0.path)" }, code: "invalid_pipeline")
            e.problems = error.issues.map { ("pipeline.\($0.path)", $0.message) }
            throw e
        }
        if inline {
            for case .template(let t) in spec.stages where t.partials != nil {
                throw APIError.invalid("An inline pipeline cannot read partials from the server's disk.", param: "pipeline.stages", code: "invalid_pipeline")
            }
        }
        if let model = spec.model, spec.usesModel, !deps.localModels.contains(model) {
            throw APIError.invalid("The model '\(model)' is not one of the server's (\(deps.localModels.sorted().joined(separator: ", "))).",
                                   param: "pipeline.model", code: "model_not_found")
        }
        do {
            _ = try OutputPaths(spec: spec, root: DatabaseArtifactStore.root, batchID: "batch")
        } catch {
            throw APIError.invalid("The export path leaves the output root: \(error).", param: "pipeline.stages", code: "invalid_pipeline")
        }
        return spec
    }

    private func modelSession(_ spec: PipelineSpec) throws -> ModelSession? {
        do { return try ModelSession.open(for: spec, catalog: deps.catalog) } catch {
            throw APIError.invalid("The pipeline's model cannot be opened: \(error).", param: "pipeline.model", code: "model_not_found")
        }
    }

    /// The batch's files, streamed from the store.
    enum OutputFile: String, CaseIterable {
        case output, errors, manifest, report
    }

    func download(_ file: OutputFile, _ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.id("batch", param: "batch_id")
        let (record, _) = try await BatchLookup(store: store).find(id, tenant: context.tenant)
        guard let names = try await BatchFiles.names(batch: record.id, store: store) else {
            throw APIError(.notFound, "Batch '\(id)' has no pipeline files.", param: "batch_id", code: "not_found")
        }
        let html = request.uri.queryParameters.get("format") == "html"
        let decompress = request.uri.queryParameters.get("decompress") == "true"
        let (name, type): (String, String) = switch file {
        case .output: (names.data, decompress ? "application/x-ndjson" : "application/zstd")
        case .errors: (names.errors, decompress ? "application/x-ndjson" : "application/zstd")
        case .manifest: (names.manifest, "application/json")
        case .report: html ? (names.reportHTML, "text/html; charset=utf-8") : (names.reportJSON, "application/json")
        }
        guard try await store.artifactExists(group: record.id, name: name) else {
            throw APIError(.notFound, "Batch '\(id)' has no \(file.rawValue) yet (the files are written when it completes).",
                           param: "batch_id", code: "not_ready")
        }
        let compressed = decompress && (file == .output || file == .errors)
        let makeDecoder: @Sendable () throws -> any ChunkTransform = { try ZstdTransform() }
        let transform = compressed ? makeDecoder : nil
        let body = ArtifactBody.stream(store: store, group: record.id, name: name, transform: transform)
        return Response(status: .ok, headers: [.contentType: type], body: body)
    }
}

/// zstd decompression on the way out.
struct ZstdTransform: ChunkTransform {
    let decoder: ZstdStreamDecoder
    init() throws { decoder = try ZstdStreamDecoder() }
    func feed(_ chunk: [UInt8]) throws -> [UInt8] { try decoder.feed(chunk) }
    func finish() throws { try decoder.finish() }
}
