import Hummingbird
import TextNLPInference
import TextNLPPipeline

/// `POST /v1/generate`, the seed system's endpoint: a prompt or messages and sampling parameters in; text,
/// token ids, log-probabilities, counts and timings out. `stream: true` sends Server-Sent Events: `text`
/// events as text becomes final, then one `result` event with the whole answer.
struct GenerateRoute {
    let deps: ServerDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("generate", use: generate)
    }

    @Sendable func generate(_ request: Request, context: APIRequestContext) async throws -> Response {
        let r = try GenerateRequest.parse(try await JSONBody.object(request, limit: deps.limits.bodyBytes))
        let generation = try await OnlineGeneration.prepare(r, deps: deps, promptParam: r.promptParam)
        let usage = OnlineUsage(deps: deps, key: context.key, api: "generate")
        try await usage.admit(generation)
        let place = try deps.onlineSlots.acquire(context.tenant)
        let objects = GenerateObjects(generation: generation, logprobs: r.logprobs)
        guard r.stream else {
            return JSONBody.response(objects.result(try await usage.run { try await generation.results(slot: place) }))
        }
        let events = generation.events(slot: place)
        return Response(status: .ok, headers: ServerSentEvents.headers, body: ResponseBody { writer in
            await usage.stream { tokens in
                tokens = try await objects.stream(events, count: generation.requests.count) { message in
                    try await writer.write(ServerSentEvents.frame(message, event: message.objectValue?["type"]?.stringValue))
                }
            } failed: { error in
                try await writer.write(ServerSentEvents.frame(error.json, event: "error"))
            }
            try await writer.finish(nil)
        })
    }
}

extension OnlineRequest {
    /// The field a prompt problem is reported on.
    var promptParam: String {
        if case .messages = prompt { return "messages" }
        return "prompt"
    }
}
