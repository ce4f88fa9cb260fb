import Hummingbird
import TextNLPPipeline

/// `/health` (the process answers) and `/ready` (the store answers, a model is here, workers are running):
/// a 503 naming what is missing until then.
struct HealthRoutes {
    let deps: ServerDependencies

    func add(to router: Router<APIRequestContext>) {
        router.get("health") { _, _ in JSONBody.response(.object(JSONObject([("status", .string("ok"))]))) }
        router.get("ready") { _, _ in await ready() }
    }

    func ready() async -> Response {
        var problems: [String] = []
        do { _ = try await deps.store.batches(after: nil, limit: 1, tenant: "") } catch { problems.append("store: \(error)") }
        if deps.localModels.isEmpty { problems.append("models: no model of the catalogue is in \(deps.catalog.directory.path) (run scripts/fetch-models)") }
        if !(await deps.workersReady()) { problems.append("workers: not running") }
        let checks = JSONValue.object(JSONObject([
            ("status", .string(problems.isEmpty ? "ready" : "not_ready")), ("problems", .array(problems.map(JSONValue.string))),
        ]))
        return JSONBody.response(checks, status: problems.isEmpty ? .ok : .serviceUnavailable)
    }
}
