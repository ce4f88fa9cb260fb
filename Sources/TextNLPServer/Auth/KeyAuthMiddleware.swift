import Hummingbird
import TextNLPJobs

/// Every `/v1/*` request needs `Authorization: Bearer KEY` (what the `openai` SDK sends) or `x-api-key`
/// (the `anthropic` SDK's). A missing, unknown or revoked key is a 401.
struct KeyAuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let store: any ServerStore

    static let challenge: HTTPFields = [.wwwAuthenticate: "Bearer"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = Self.presentedKey(request) else {
            throw APIError(.unauthorized, "You didn't provide an API key. Send it as 'Authorization: Bearer KEY'.",
                           code: "missing_api_key", headers: Self.challenge)
        }
        guard let record = try await store.key(hash: APIKeys.hash(key)) else {
            throw APIError(.unauthorized, "Incorrect API key provided.", code: "invalid_api_key", headers: Self.challenge)
        }
        var context = context
        context.key = record
        return try await next(request, context)
    }

    static func presentedKey(_ request: Request) -> String? {
        if let auth = request.headers[.authorization] {
            let parts = auth.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let key = parts[1].trimmingCharacters(in: .whitespaces)
                return key.isEmpty ? nil : key
            }
            return nil
        }
        for field in request.headers where field.name.canonicalName == "x-api-key" && !field.value.isEmpty { return field.value }
        return nil
    }
}
