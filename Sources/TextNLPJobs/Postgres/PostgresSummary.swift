import Foundation
import PostgresNIO

/// `/metrics` counts from PostgreSQL: a handful of aggregate queries in one snapshot.
extension PostgresJobStore {
    public func summary() async throws -> StoreSummary {
        let now = self.now
        return try await transaction("summarize the store") { c, logger in
            var s = StoreSummary()
            for try await (queue, state, n) in try await c.query("""
                SELECT queue, state, count(*)::bigint FROM textnlp_jobs GROUP BY queue, state
                """, logger: logger).decode((String, String, Int64).self) {
                if let state = JobState(rawValue: state) { s.jobs[queue, default: [:]][state] = Int(n) }
            }
            for try await due in try await c.query("""
                SELECT min(run_at) FROM textnlp_jobs WHERE state IN ('available', 'retryable') AND run_at <= \(unescaped: now)
                """, logger: logger).decode(Double?.self) {
                s.oldestDue = due
            }
            for try await (rows, prompt, completion, recent) in try await c.query("""
                SELECT COALESCE(sum((result::jsonb->>'rows_out')::bigint), 0)::bigint,
                       COALESCE(sum((result::jsonb->>'prompt_tokens')::bigint), 0)::bigint,
                       COALESCE(sum((result::jsonb->>'completion_tokens')::bigint), 0)::bigint,
                       COALESCE(sum((result::jsonb->>'completion_tokens')::bigint) FILTER (WHERE finished_at > \(unescaped: now) - 60), 0)::bigint
                FROM textnlp_jobs WHERE kind = 'shard' AND state = 'completed' AND result IS NOT NULL
                """, logger: logger).decode((Int64, Int64, Int64, Int64).self) {
                (s.rows, s.promptTokens, s.completionTokens, s.recentCompletionTokens) = (Int(rows), Int(prompt), Int(completion), Int(recent))
            }
            var batches: [String: BatchJobCounts] = [:]
            for try await (id, cancelled, failedValidation) in try await c.query("""
                SELECT id, cancel_requested_at IS NOT NULL, COALESCE(details LIKE '%"errors":[{%', false) FROM textnlp_batches
                """, logger: logger).decode((String, Bool, Bool).self) {
                batches[id] = BatchJobCounts(cancelRequested: cancelled, states: failedValidation ? [.discarded: 1] : [:], ingest: nil, finalize: nil,
                                             cancelRequestedJobs: false)
            }
            for try await (group, state, n, cancelRequested) in try await c.query("""
                SELECT j.grp, j.state, count(*)::bigint, bool_or(j.cancel_requested) FROM textnlp_jobs j
                JOIN textnlp_batches b ON b.id = j.grp GROUP BY j.grp, j.state
                """, logger: logger).decode((String, String, Int64, Bool).self) {
                guard let state = JobState(rawValue: state) else { continue }
                batches[group]?.states[state] = Int(n)
                if cancelRequested { batches[group]?.cancelRequestedJobs = true }
            }
            for try await (group, key, state) in try await c.query("""
                SELECT j.grp, j.key, j.state FROM textnlp_jobs j JOIN textnlp_batches b ON b.id = j.grp WHERE j.key IN ('ingest', 'finalize')
                """, logger: logger).decode((String, String, String).self) {
                if key == "ingest" { batches[group]?.ingest = JobState(rawValue: state) } else { batches[group]?.finalize = JobState(rawValue: state) }
            }
            for counts in batches.values { s.batches[counts.status, default: 0] += 1 }
            return s
        }
    }
}
