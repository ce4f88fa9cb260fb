import Hummingbird
import HummingbirdWebSocket
import TextNLPJobs

/// The context of one request: Hummingbird's core, the API key the auth middleware found, and the handler of
/// a WebSocket upgrade (`/v1/stream`).
public struct APIRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var key: APIKeyRecord?
    public let webSocket = WebSocketHandlerReference<APIRequestContext>()

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
    }

    /// The tenant of the request's key; routes behind the auth middleware always have one.
    var tenant: String { key?.tenant ?? "" }
}

extension APIRequestContext {
    /// The `{id}` of the route. An id no store could hold (empty, over 256 characters, with a NUL) names
    /// nothing: not found, like any unknown id.
    func id(_ what: String, param: String) throws -> String {
        let id = parameters.get("id") ?? ""
        guard !id.isEmpty, id.utf8.count <= 256, !id.utf8.contains(0) else { throw APIError.notFound(what, id.replacingOccurrences(of: "\u{0}", with: ""), param: param) }
        return id
    }
}
