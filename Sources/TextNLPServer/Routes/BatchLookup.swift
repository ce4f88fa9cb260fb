import TextNLPBatches
import TextNLPJobs

/// A tenant's batch and its status, whichever door created it; another tenant's batch is not found.
struct BatchLookup {
    let store: any ServerStore

    func find(_ id: String, tenant: String) async throws -> (BatchRecord, BatchStatus) {
        guard let record = try await store.batch(id: id), record.tenant == tenant else { throw APIError.notFound("batch", id, param: "batch_id") }
        return (record, ClusterBatches.status(record, jobs: try await store.jobs(group: id)))
    }

    /// Cancels a batch that has not ended; an ended one is a 409 that says its status.
    func cancel(_ id: String, tenant: String, status: (BatchRecord, BatchStatus) -> String) async throws -> (BatchRecord, BatchStatus) {
        let (record, current) = try await find(id, tenant: tenant)
        let state = status(record, current)
        guard !["completed", "failed", "cancelled", "expired"].contains(state) else {
            throw APIError(.conflict, "Cannot cancel a batch with status '\(state)'.", param: "batch_id", code: "batch_not_cancellable")
        }
        try await store.cancelBatch(id: id)
        return try await find(id, tenant: tenant)
    }
}
