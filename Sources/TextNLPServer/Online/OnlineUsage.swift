import TextNLPInference
import TextNLPJobs

/// What an online request costs and how it ended: its prompt tokens are counted against the key's tokens
/// per minute before it runs (a 429 over the limit), its completion tokens after; the outcome (completed,
/// cancelled by a client that went away, failed) and the tokens go to the metrics.
struct OnlineUsage: Sendable {
    let deps: ServerDependencies
    let key: APIKeyRecord?
    let api: String

    func admit(_ generation: OnlineGeneration) async throws {
        try await RateLimiter(store: deps.store, now: deps.now).spend(generation.promptTokens.count * generation.requests.count, key: key)
    }

    private func record(_ outcome: String, completionTokens: Int) async {
        deps.metrics.online(api: api, outcome: outcome, completionTokens: completionTokens)
        guard completionTokens > 0, let key, key.tokensPerMinute != nil else { return }
        // Counted, never refused: the tokens are spent already.
        _ = try? await deps.store.recordUse(keyID: key.id, minute: RateLimiter(store: deps.store, now: deps.now).minute, requests: 0, tokens: completionTokens)
    }

    /// A request answered whole.
    func run(_ body: () async throws -> [GenerationResult]) async throws -> [GenerationResult] {
        do {
            let results = try await body()
            await record("completed", completionTokens: results.reduce(0) { $0 + $1.tokens.count })
            return results
        } catch {
            await record(error is CancellationError ? "cancelled" : "failed", completionTokens: 0)
            throw Self.apiError(error) ?? error
        }
    }

    /// A streamed request: `body` writes the stream and counts its completion tokens. A failure of the engine is
    /// written into the stream with `failed` (the status was sent already); a write that fails means the client
    /// went away, and the request was cancelled when its events were dropped.
    func stream(_ body: (inout Int) async throws -> Void, failed: (APIError) async throws -> Void) async {
        var tokens = 0
        do {
            try await body(&tokens)
            await record("completed", completionTokens: tokens)
        } catch let error where Self.isGenerationFailure(error) {
            await record("failed", completionTokens: tokens)
            try? await failed(Self.apiError(error) ?? APIError(.internalServerError, "The request failed.", code: "internal_error"))
        } catch {
            await record("cancelled", completionTokens: tokens)
        }
    }

    static func isGenerationFailure(_ error: any Error) -> Bool {
        error is GenerationError || error is ModelError || error is SamplingError
    }

    /// The engine's refusal of one request is the client's error; anything else is the server's.
    static func apiError(_ error: any Error) -> APIError? {
        switch error {
        case let e as GenerationError: APIError.invalid("\(e)", param: nil, code: "invalid_request")
        case let e as SamplingError: APIError.invalid("\(e)", param: nil, code: "invalid_value")
        case let e as ModelError: APIError(.internalServerError, "The model failed: \(e).", code: "model_error")
        default: nil
        }
    }
}
