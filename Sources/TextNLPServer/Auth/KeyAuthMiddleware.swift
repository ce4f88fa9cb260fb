import Hummingbird
import TextNLPJobs

/// Every `/v1/*` request needs `Authorization: Bearer KEY` (what the `openai` SDK sends) or `x-api-key`
/// (the `anthropic` SDK's). A missing, unknown or revoked key is a 401.
struct KeyAuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let store: any ServerStore
    /// Keys (nil: no such key) for a second: a revoked key stops working within two seconds on
    /// every replica (the second, and the grace of a refresh), and a busy server does not ask the store
    /// for every request.
    let keys: TTLCache<String, APIKeyRecord?>
    static let keySeconds = 1.0

    static let challenge: HTTPFields = [.wwwAuthenticate: "Bearer"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = Self.presentedKey(request) else {
            throw APIError(.unauthorized, "You didn't provide an API key. Send it as 'Authorization: Bearer KEY'.",
                           code: "missing_api_key", headers: Self.challenge)
        }
        // Cached by the key as presented (the store has only its hash): a cached request hashes nothing.
        let record: APIKeyRecord?
        if let (cached, refresh) = keys.lookup(key), !refresh {
            record = cached
        } else {
            record = try await store.key(hash: APIKeys.hash(key))
            keys.set(key, record, ttl: Self.keySeconds)
        }
        guard let record else {
            throw APIError(.unauthorized, "Incorrect API key provided.", code: "invalid_api_key", headers: Self.challenge)
        }
        var context = context
        context.key = record
        return try await next(request, context)
    }

    static func presentedKey(_ request: Request) -> String? {
        if let auth = request.headers[.authorization] {
            // "Bearer KEY", the scheme in any case; the key without surrounding spaces.
            let utf8 = auth.utf8
            guard utf8.count > 7, utf8.prefix(6).map({ $0 | 0x20 }).elementsEqual("bearer".utf8), utf8.dropFirst(6).first == 0x20 else { return nil }
            let key = utf8.dropFirst(7).drop { $0 == 0x20 }
            let trimmed = key.reversed().drop { $0 == 0x20 }.count
            guard trimmed > 0 else { return nil }
            return String(decoding: key.prefix(trimmed), as: UTF8.self)
        }
        for field in request.headers where field.name.canonicalName == "x-api-key" && !field.value.isEmpty { return field.value }
        return nil
    }
}
