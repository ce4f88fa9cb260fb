import Hummingbird
import NIOCore
import TextNLPInference
import TextNLPPipeline

/// `POST /v1/chat/completions` and `POST /v1/completions`, OpenAI's online API, on the engine the server's
/// batches run in (online requests go first). `stream: true` answers with Server-Sent Events chunks ending in
/// `data: [DONE]`; a client that goes away mid-stream cancels its request at the engine's next step.
struct ChatCompletionsRoutes {
    let deps: ServerDependencies

    func add(to group: RouterGroup<APIRequestContext>) {
        group.post("chat/completions") { request, context in try await handle(request, context, chat: true) }
        group.post("completions") { request, context in try await handle(request, context, chat: false) }
    }

    func handle(_ request: Request, _ context: APIRequestContext, chat: Bool) async throws -> Response {
        let api = chat ? "chat" : "completions"
        let body = try await JSONBody.object(request, limit: deps.limits.bodyBytes)
        let r = try OnlineRequest.openAI(body, chat: chat)
        let generation = try await OnlineGeneration.prepare(r, deps: deps, promptParam: chat ? "messages" : "prompt")
        let usage = OnlineUsage(deps: deps, key: context.key, api: api)
        try await usage.admit(generation)
        let place = try deps.onlineSlots.acquire(context.tenant)
        let objects = OpenAIObjects(generation, chat: chat, logprobs: r.logprobs)
        guard r.stream else {
            let results = try await usage.run { try await generation.results(slot: place) }
            return JSONBody.response(objects.completion(results))
        }
        let events = generation.events(slot: place)
        return Response(status: .ok, headers: ServerSentEvents.headers, body: ResponseBody { writer in
            await usage.stream { completionTokens in
                var started = Set<Int>()
                for try await (i, event) in events {
                    switch event {
                    case .text(let text):
                        try await writer.write(ServerSentEvents.frame(objects.chunk(choice: i, text: text, first: !started.contains(i), includeUsage: r.includeUsage)))
                        started.insert(i)
                    case .finished(let result):
                        if chat && !started.contains(i) {
                            try await writer.write(ServerSentEvents.frame(objects.chunk(choice: i, text: "", first: true, includeUsage: r.includeUsage)))
                        }
                        try await writer.write(ServerSentEvents.frame(objects.chunk(choice: i, text: nil, finish: result, includeUsage: r.includeUsage)))
                        completionTokens += result.tokens.count
                    }
                }
                if r.includeUsage { try await writer.write(ServerSentEvents.frame(objects.usageChunk(completionTokens: completionTokens))) }
                try await writer.write(ServerSentEvents.done)
            } failed: { error in
                try await writer.write(ServerSentEvents.frame(error.json))
            }
            try await writer.finish(nil)
        })
    }
}
