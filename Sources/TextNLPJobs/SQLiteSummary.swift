import Foundation
import GRDB

/// `/metrics` counts from the embedded store, in one read transaction.
extension SQLiteJobStore {
    public func summary() async throws -> StoreSummary {
        let t = now()
        return try await read("summarize the store") { db in
            var s = StoreSummary()
            for row in try GRDB.Row.fetchAll(db, sql: "SELECT queue, state, count(*) AS n FROM jobs GROUP BY queue, state") {
                if let state = JobState(rawValue: row["state"]) { s.jobs[row["queue"], default: [:]][state] = row["n"] }
            }
            s.oldestDue = try Double.fetchOne(db, sql: "SELECT min(run_at) FROM jobs WHERE state IN ('available', 'retryable') AND run_at <= ?", arguments: [t])
            if let row = try GRDB.Row.fetchOne(db, sql: """
                SELECT COALESCE(sum(json_extract(result, '$.rows_out')), 0) AS rows,
                       COALESCE(sum(json_extract(result, '$.prompt_tokens')), 0) AS prompt,
                       COALESCE(sum(json_extract(result, '$.completion_tokens')), 0) AS completion,
                       COALESCE(sum(CASE WHEN finished_at > ? THEN json_extract(result, '$.completion_tokens') END), 0) AS recent
                FROM jobs WHERE kind = 'shard' AND state = 'completed' AND result IS NOT NULL
                """, arguments: [t - 60]) {
                (s.rows, s.promptTokens, s.completionTokens, s.recentCompletionTokens) = (row["rows"], row["prompt"], row["completion"], row["recent"])
            }
            var batches: [String: BatchJobCounts] = [:]
            for row in try GRDB.Row.fetchAll(db, sql: """
                SELECT id, cancel_requested_at IS NOT NULL AS cancelled, COALESCE(details LIKE '%"errors":[{%', 0) AS failed FROM batches
                """) {
                let failed: Bool = row["failed"]
                batches[row["id"]] = BatchJobCounts(cancelRequested: row["cancelled"], states: failed ? [.discarded: 1] : [:], ingest: nil, finalize: nil,
                                                    cancelRequestedJobs: false)
            }
            for row in try GRDB.Row.fetchAll(db, sql: """
                SELECT j.grp, j.state, count(*) AS n, max(j.cancel_requested) AS cancel FROM jobs j JOIN batches b ON b.id = j.grp GROUP BY j.grp, j.state
                """) {
                let group: String = row["grp"]
                guard let state = JobState(rawValue: row["state"]) else { continue }
                batches[group]?.states[state] = row["n"]
                if row["cancel"] == true { batches[group]?.cancelRequestedJobs = true }
            }
            for row in try GRDB.Row.fetchAll(db, sql: """
                SELECT j.grp, j.key, j.state FROM jobs j JOIN batches b ON b.id = j.grp WHERE j.key IN ('ingest', 'finalize')
                """) {
                let group: String = row["grp"], key: String = row["key"]
                if key == "ingest" { batches[group]?.ingest = JobState(rawValue: row["state"]) } else { batches[group]?.finalize = JobState(rawValue: row["state"]) }
            }
            for counts in batches.values { s.batches[counts.status, default: 0] += 1 }
            return s
        }
    }
}
