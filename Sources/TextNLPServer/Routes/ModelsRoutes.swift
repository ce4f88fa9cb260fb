import Foundation
import Hummingbird
import TextNLPPipeline

/// `GET /v1/models` and `GET /v1/models/{id}`: the catalogue in OpenAI's `list` shape, each model with
/// textnlp's fields: architecture, quantization, context length, SHA-256, license, and whether its file
/// is here (`available`: requests may name it) and whether its engine is loaded in this server (`loaded`).
struct ModelsRoutes {
    let deps: ServerDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("models", use: list)
        group.get("models/{id}", use: show)
    }

    func objects() async -> [(String, JSONValue)] {
        let here = deps.localModels
        let loaded = await deps.engines.loaded
        let created = (try? FileManager.default.attributesOfItem(atPath: deps.catalog.file)[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return deps.catalog.entries.map { e in
            (e.id, .object(JSONObject([
                ("id", .string(e.id)), ("object", .string("model")), ("created", .int(Int64(created))), ("owned_by", .string("textnlp")),
                ("architecture", .string(e.architecture)), ("quantization", .string(e.quantization)),
                ("context_length", .int(Int64(e.contextLength))), ("sha256", .string(e.sha256)), ("bytes", .int(Int64(e.bytes))),
                ("license", .string(e.license)), ("available", .bool(here.contains(e.id))), ("loaded", .bool(loaded.contains(e.sha256))),
            ])))
        }
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        JSONBody.response(.object(JSONObject([("object", .string("list")), ("data", .array(await objects().map(\.1)))])))
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.id("model", param: "model")
        guard let model = await objects().first(where: { $0.0 == id }) else { throw APIError.notFound("model", id, param: "model") }
        return JSONBody.response(model.1)
    }
}
