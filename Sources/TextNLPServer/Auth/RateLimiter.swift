import Foundation
import HTTPTypes
import Hummingbird
import TextNLPJobs

/// Requests and tokens per minute, per key, counted in the store (so every replica of the server sees the
/// same counts). A request over a limit is a 429 with `Retry-After`: the seconds to the next minute.
struct RateLimiter: Sendable {
    let store: any ServerStore
    let now: @Sendable () -> Double

    init(store: any ServerStore, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.store = store
        self.now = now
    }

    var minute: Int64 { Int64(now() / 60) }

    /// Counts a request of `key` and refuses it when the minute's requests or tokens are over its limits.
    func admit(_ key: APIKeyRecord) async throws -> RateWindow? {
        guard key.requestsPerMinute != nil || key.tokensPerMinute != nil else { return nil }
        let window = try await store.recordUse(keyID: key.id, minute: minute, requests: 1, tokens: 0)
        if let rpm = key.requestsPerMinute, window.requests > rpm {
            throw limited("requests", limit: rpm, used: window.requests)
        }
        if let tpm = key.tokensPerMinute, window.tokens >= tpm {
            throw limited("tokens", limit: tpm, used: window.tokens)
        }
        return window
    }

    /// Counts the tokens a request asks for (a batch: its prompts' and completions' tokens, estimated) and
    /// refuses it when they would go over the key's tokens per minute.
    func spend(_ tokens: Int, key: APIKeyRecord?) async throws {
        guard let key, let tpm = key.tokensPerMinute else { return }
        let window = try await store.recordUse(keyID: key.id, minute: minute, requests: 0, tokens: tokens)
        if window.tokens > tpm { throw limited("tokens", limit: tpm, used: window.tokens) }
    }

    private func limited(_ what: String, limit: Int, used: Int) -> APIError {
        let retry = max(1, Int((Double(minute + 1) * 60 - now()).rounded(.up)))
        var headers: HTTPFields = [.retryAfter: String(retry)]
        if let name = HTTPField.Name("x-ratelimit-limit-\(what)") { headers[name] = String(limit) }
        return APIError(.tooManyRequests, "Rate limit reached for \(what) per minute: limit \(limit), used \(used). Try again in \(retry) s.",
                        code: "rate_limit_exceeded", headers: headers)
    }
}

/// Applies the key's limits to every /v1 request (after the key is known).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let key = context.key { _ = try await limiter.admit(key) }
        return try await next(request, context)
    }
}
