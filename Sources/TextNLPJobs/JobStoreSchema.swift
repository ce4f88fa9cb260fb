/// The versions of the job store's schema, in order. Every store (SQLite, PostgreSQL) migrates through the
/// same versions under the same names and refuses a store that has a version it does not know.
public enum JobStoreSchema {
    public static let versions = [
        // jobs (with their error history) and their dependencies
        "1-jobs",
        // indexes for the reaper and for counting a group's states; the state column accepts known states only
        "2-state-checks",
        // cancel requests of running jobs; on PostgreSQL also batches and artifacts (a cluster shares nothing else)
        "3-cluster",
        // the server: batches' tenants and API details, idempotency keys per tenant, API keys, uploaded files,
        // rate-limit windows; on SQLite also batches and artifacts (the embedded server keeps everything there)
        "4-server",
        // PostgreSQL: the claim index holds only jobs that may be claimed, so a claim does not step over
        // every finished job of its queue (SQLite's claim index leads with the state already)
        "5-claim-index",
    ]
}
