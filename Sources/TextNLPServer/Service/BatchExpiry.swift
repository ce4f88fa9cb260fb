import Foundation
import Logging
import ServiceLifecycle
import TextNLPBatches
import TextNLPJobs

/// OpenAI batches that pass their completion window (24 h) unfinished are stopped and marked `expired`;
/// what they finished stays, in their output and error files. Every replica sweeps each minute; marking
/// twice changes nothing.
public struct BatchExpiry: Service {
    let deps: ServerDependencies
    let logger: Logger

    public init(deps: ServerDependencies, logger: Logger) {
        self.deps = deps
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let n = try await sweep()
                    if n > 0 { logger.info("expired \(n) batch(es) past their completion window") }
                } catch {
                    logger.warning("expiring batches: \(error)")
                }
                try? await Task.sleep(for: .seconds(60))
            }
        }
    }

    /// Expires what is due now; returns how many batches it expired.
    @discardableResult
    public func sweep() async throws -> Int {
        let now = deps.now()
        var expired = 0
        var after: String?
        while true {
            let page = try await deps.store.batches(after: after, limit: 200, tenant: nil)
            for record in page {
                guard var details = BatchDetails(record), details.expiredAt == nil, details.errors.isEmpty,
                      record.createdAt + BatchObject.window <= now else { continue }
                let status = ClusterBatches.status(record, jobs: try await deps.store.jobs(group: record.id))
                guard !status.isFinal else { continue }
                details.expiredAt = now
                try await deps.store.setBatchDetails(id: record.id, details: details.json)
                try await deps.store.cancelBatch(id: record.id)
                expired += 1
            }
            guard page.count == 200, let last = page.last else { return expired }
            after = last.id
        }
    }
}
