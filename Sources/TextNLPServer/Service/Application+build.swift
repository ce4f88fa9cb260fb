import Hummingbird
import HummingbirdWebSocket
import NIOCore
import Logging
import ServiceLifecycle

/// The server's settings: where it listens and what it serves.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// The routes, assembled in one place: operations endpoints open, `/v1/*` behind keys.
public func buildRouter(_ deps: ServerDependencies) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: MetricsMiddleware(metrics: deps.metrics))
    router.add(middleware: ErrorMiddleware())
    HealthRoutes(deps: deps).add(to: router)
    OpenAPIDocument.add(to: router)
    router.get("metrics") { _, _ in
        let text = try await deps.metrics.scrape(deps.store, now: deps.now())
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
    }
    let v1 = authenticated(router, deps)
    FilesRoutes(deps: deps).add(to: v1)
    OpenAIBatchesRoutes(deps: deps).add(to: v1)
    PipelineBatchRoutes(deps: deps).add(to: v1)
    ModelsRoutes(deps: deps).add(to: v1)
    FormatRoute(deps: deps).add(to: v1)
    ChatCompletionsRoutes(deps: deps).add(to: v1)
    AnthropicMessagesRoute(deps: deps).add(to: v1)
    AnthropicBatchesRoutes(deps: deps).add(to: v1)
    GenerateRoute(deps: deps).add(to: v1)
    ValidateRoute(deps: deps).add(to: v1)
    StreamSocketRoute(deps: deps).add(to: v1)
    return router
}

/// `/v1`, behind keys and rate limits.
private func authenticated(_ router: Router<APIRequestContext>, _ deps: ServerDependencies) -> RouterGroup<APIRequestContext> {
    router.group("v1").add(middleware: KeyAuthMiddleware(store: deps.store, keys: TTLCache(capacity: 10_000)))
        .add(middleware: RateLimitMiddleware(limiter: RateLimiter(store: deps.store, now: deps.now)))
}

/// The routes that WebSocket upgrade requests are matched against (only these see them).
func buildWebSocketRouter(_ deps: ServerDependencies) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    StreamSocketRoute(deps: deps).addUpgrade(to: authenticated(router, deps))
    return router
}

/// The application: the router over `deps`, with `services` (workers, the store's client) run beside the
/// HTTP server in one ServiceGroup that drains on SIGTERM and SIGINT.
public func buildApplication(_ configuration: ServerConfiguration, deps: ServerDependencies, services: [any Service] = [],
                             logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
    -> some ApplicationProtocol {
    Application(
        router: buildRouter(deps),
        server: .http1WebSocketUpgrade(webSocketRouter: buildWebSocketRouter(deps)),
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "textnlp"),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}
