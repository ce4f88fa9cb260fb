import Foundation
import Hummingbird
import Prometheus
import Synchronization
import TextNLPJobs

/// The server's Prometheus metrics (`/metrics`, the text format): requests by route and status, latency
/// histograms, and, read from the store at each scrape, batches by status, jobs by state, queue depth,
/// rows and tokens generated, the engine's tokens per second over the last minute, and the age of the
/// oldest job waiting to run.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    static let buckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                      .seconds(2.5), .seconds(5), .seconds(10)]

    public init() {}

    /// The collectors of each method, route and status, made once (the registry's lookup costs more than a count).
    private let collectors = Mutex<[String: (Counter, DurationHistogram)]>([:])

    func request(method: String, route: String, status: Int, duration: Duration) {
        let key = "\(method) \(route) \(status)"
        let (counter, histogram) = collectors.withLock { cache in
            if let made = cache[key] { return made }
            let made = (
                registry.makeCounter(descriptor: .init(namespace: "textnlp", metricName: "http_requests", unitName: "total",
                                                       helpText: "HTTP requests by method, route and status."),
                                     labels: [("method", method), ("route", route), ("status", String(status))]),
                registry.makeDurationHistogram(descriptor: .init(namespace: "textnlp", metricName: "http_request_duration", unitName: "seconds",
                                                                 helpText: "HTTP request latency by method and route."),
                                               labels: [("method", method), ("route", route)], buckets: Self.buckets))
            cache[key] = made
            return made
        }
        counter.increment()
        histogram.record(duration)
    }

    private func gauge(_ name: String, _ unit: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(descriptor: .init(namespace: "textnlp", metricName: name, unitName: unit, helpText: help), labels: labels)
    }

    private let onlineCollectors = Mutex<[String: (requests: Counter, tokens: Counter)]>([:])

    /// An online request that ended: by API and outcome (completed, cancelled, failed), with its completion tokens.
    func online(api: String, outcome: String, completionTokens: Int) {
        let key = "\(api) \(outcome)"
        let (requests, tokens) = onlineCollectors.withLock { cache in
            if let made = cache[key] { return made }
            let made = (
                requests: registry.makeCounter(descriptor: .init(namespace: "textnlp", metricName: "online_requests", unitName: "total",
                                                                 helpText: "Online generation requests by API and outcome."),
                                               labels: [("api", api), ("outcome", outcome)]),
                tokens: registry.makeCounter(descriptor: .init(namespace: "textnlp", metricName: "online_completion_tokens", unitName: "total",
                                                               helpText: "Completion tokens of online requests by API and outcome."),
                                             labels: [("api", api), ("outcome", outcome)]))
            cache[key] = made
            return made
        }
        requests.increment()
        tokens.increment(by: Int64(completionTokens))
    }

    /// The store's counts, set into gauges, and the whole exposition.
    func scrape(_ store: any ServerStore, now: Double) async throws -> [UInt8] {
        let s = try await store.summary()
        for status in ["validating", "in_progress", "finalizing", "completed", "failed", "cancelling", "cancelled"] {
            gauge("batches", "", "Batches by status.", [("status", status)]).set(Double(s.batches[status] ?? 0))
        }
        var depth: [String: Int] = [:]
        for (queue, states) in s.jobs {
            for state in JobState.allCases {
                gauge("jobs", "", "Jobs by queue and state.", [("queue", queue), ("state", state.rawValue)]).set(Double(states[state] ?? 0))
            }
            depth[queue] = (states[.available] ?? 0) + (states[.retryable] ?? 0)
        }
        for (queue, n) in depth { gauge("queue_depth", "jobs", "Jobs ready to run (available or retryable), by queue.", [("queue", queue)]).set(Double(n)) }
        gauge("oldest_available_job_age", "seconds", "How long the oldest job ready to run has waited (0 when none waits).")
            .set(s.oldestDue.map { max(0, now - $0) } ?? 0)
        gauge("generated", "rows", "Rows written by completed shards.").set(Double(s.rows))
        gauge("prompt", "tokens", "Prompt tokens of completed shards.").set(Double(s.promptTokens))
        gauge("completion", "tokens", "Completion tokens generated by completed shards.").set(Double(s.completionTokens))
        gauge("engine_tokens_per", "second", "Completion tokens per second over the last minute, all workers.")
            .set(Double(s.recentCompletionTokens) / 60)
        return registry.emitToBuffer()
    }
}

/// Counts and times every request by its route's pattern (never its ids: the label set stays small).
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.request(method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: Int(response.status.code),
                            duration: ContinuousClock.now - start)
            return response
        } catch let error as any HTTPResponseError {
            metrics.request(method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: Int(error.status.code),
                            duration: ContinuousClock.now - start)
            throw error
        }
    }
}
