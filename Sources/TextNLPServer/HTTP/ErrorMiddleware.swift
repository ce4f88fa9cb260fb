import Hummingbird
import Logging
import TextNLPBatches
import TextNLPJobs

/// Every error leaves as an `APIError`: Hummingbird's own (no such route, a body too large) keep their
/// status, a store that is away is a 503, and anything else is a 500 whose details go to the log only.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            let message = error.body ?? (error.status == .notFound ? "Unknown request URL: \(request.method) \(request.uri.path)." : error.status.reasonPhrase)
            throw APIError(error.status, message, code: error.status == .notFound ? "unknown_url" : nil)
        } catch let error as any HTTPResponseError {
            throw APIError(error.status, error.status.reasonPhrase)
        } catch let error as JobsError {
            if case .unavailable = error {
                context.logger.warning("store unavailable: \(error)")
                throw APIError(.serviceUnavailable, "The job store is unavailable; try again shortly.", code: "store_unavailable",
                               headers: [.retryAfter: "1"])
            }
            context.logger.error("\(request.method) \(request.uri.path): \(error)")
            throw APIError(.internalServerError, "The server could not complete the request.", code: "internal_error")
        } catch {
            context.logger.error("\(request.method) \(request.uri.path): \(error)")
            throw APIError(.internalServerError, "The server could not complete the request.", code: "internal_error")
        }
    }
}
