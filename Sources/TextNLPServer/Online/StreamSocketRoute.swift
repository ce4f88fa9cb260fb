import Hummingbird
import HummingbirdWebSocket
import NIOCore
import TextNLPInference
import TextNLPJobs
import TextNLPPipeline

/// `GET /v1/stream`, `/v1/generate` over a WebSocket (the seed system's promise). Each text message the client
/// sends is a generate request; the server answers with `{"type": "text", "choice", "text"}` messages as
/// text becomes final and then `{"type": "result", ...}`, the whole answer, or `{"type": "error", "error"}`
/// for a request that cannot run (the connection stays open for the next). Requests on one connection run one
/// after another; a client that closes the connection cancels the running one at the engine's next step.
struct StreamSocketRoute {
    let deps: ServerDependencies

    /// The plain HTTP route: a GET without the upgrade is told what the endpoint is.
    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("stream") { _, _ -> Response in
            throw APIError.invalid("/v1/stream is a WebSocket: connect with 'Upgrade: websocket' (POST /v1/generate streams over HTTP).",
                                   param: nil, code: "websocket_required")
        }
    }

    /// The upgrade, on the router that only WebSocket upgrade requests see.
    func addUpgrade(to group: RouterGroup<APIRequestContext>) {
        let deps = self.deps
        group.ws("stream", onUpgrade: { inbound, outbound, context in
            let key = context.requestContext.key, tenant = context.requestContext.tenant
            // Requests run one after another, each in a task of its own, while this loop goes on reading: when
            // the client closes the connection the loop ends and cancels what still runs.
            var last: Task<Void, Never>?
            do {
                for try await message in inbound.messages(maxSize: deps.limits.bodyBytes) {
                    let previous = last
                    last = Task {
                        await withTaskCancellationHandler {
                            await previous?.value
                        } onCancel: {
                            previous?.cancel()
                        }
                        guard !Task.isCancelled else { return }
                        guard case .text(let text) = message else {
                            try? await outbound.write(.text(JSONWriter.string(Self.error(APIError.invalid("Send each request as a JSON text message.", param: nil)))))
                            return
                        }
                        do {
                            try await Self.serve(text, deps: deps, key: key, tenant: tenant) { try await outbound.write(.text(JSONWriter.string($0))) }
                        } catch let error as APIError {
                            try? await outbound.write(.text(JSONWriter.string(Self.error(error))))
                        } catch {}
                    }
                }
            } catch {}
            // The client is gone (it closed the connection, or it dropped): nothing it asked for can reach it.
            last?.cancel()
            await last?.value
        })
    }

    static func error(_ error: APIError) -> JSONValue {
        var o = error.json.objectValue ?? JSONObject()
        o["type"] = .string("error")
        o["status"] = .int(Int64(error.status.code))
        return .object(o)
    }

    /// One request of the connection: checked, run, its messages sent. Errors the client can fix are thrown
    /// as `APIError`s (and answered); a connection that closed ends the request and the loop.
    static func serve(_ text: String, deps: ServerDependencies, key: APIKeyRecord?, tenant: String,
                      send: @escaping (JSONValue) async throws -> Void) async throws {
        let bytes = Array(text.utf8)
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw APIError.invalid("The message is not valid JSON: \(error).", param: nil, code: "invalid_json") }
        guard case .object(let body) = value else { throw APIError.invalid("A request is a JSON object, not \(value.typeName).", param: nil, code: "invalid_type") }
        let r = try GenerateRequest.parse(body)
        let generation = try await OnlineGeneration.prepare(r, deps: deps, promptParam: r.promptParam)
        let usage = OnlineUsage(deps: deps, key: key, api: "stream")
        try await usage.admit(generation)
        let place = try deps.onlineSlots.acquire(tenant)
        let objects = GenerateObjects(generation: generation, logprobs: r.logprobs)
        let events = generation.events(slot: place)
        var closed = false
        await usage.stream { tokens in
            do {
                tokens = try await objects.stream(events, count: generation.requests.count, send: send)
            } catch {
                if !OnlineUsage.isGenerationFailure(error) { closed = true }
                throw error
            }
        } failed: { error in
            try await send(Self.error(error))
        }
        if closed { throw CancellationError() }
    }
}

