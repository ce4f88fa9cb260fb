import Hummingbird
import TextNLPInference
import TextNLPPipeline

/// `POST /v1/messages`, Anthropic's Messages API, on the same engines as OpenAI's routes. The key may come as
/// `x-api-key` (as the `anthropic` SDK sends it); errors are in Anthropic's shape. `stream: true` sends
/// `message_start`, `content_block_start`, `content_block_delta`..., `content_block_stop`, `message_delta` and
/// `message_stop` events.
struct AnthropicMessagesRoute {
    let deps: ServerDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("messages", use: create)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.object(request, limit: deps.limits.bodyBytes)
        let r = try AnthropicMessageRequest.parse(body)
        let generation = try await OnlineGeneration.prepare(r, deps: deps)
        let usage = OnlineUsage(deps: deps, key: context.key, api: "messages")
        try await usage.admit(generation)
        let place = try deps.onlineSlots.acquire(context.tenant)
        let objects = AnthropicObjects(generation: generation)
        guard r.stream else {
            let results = try await usage.run { try await generation.results(slot: place) }
            guard let result = results.first else { throw CancellationError() }
            return JSONBody.response(objects.message(result))
        }
        let events = generation.events(slot: place)
        return Response(status: .ok, headers: ServerSentEvents.headers, body: ResponseBody { writer in
            await usage.stream { completionTokens in
                for (name, event) in objects.start() { try await writer.write(ServerSentEvents.frame(event, event: name)) }
                for try await (_, event) in events {
                    switch event {
                    case .text(let text):
                        let (name, delta) = AnthropicObjects.delta(text)
                        try await writer.write(ServerSentEvents.frame(delta, event: name))
                    case .finished(let result):
                        for (name, event) in objects.end(result) { try await writer.write(ServerSentEvents.frame(event, event: name)) }
                        completionTokens += result.tokens.count
                    }
                }
            } failed: { error in
                try await writer.write(ServerSentEvents.frame(error.anthropicJSON, event: "error"))
            }
            try await writer.finish(nil)
        })
    }
}
