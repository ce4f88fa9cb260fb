import Foundation
import Logging
import PostgresNIO

extension PostgresJobStore: BatchStore {
    private static let batchColumns = "id, name, idempotency_key, queue, model, spec_sha256, created_at, cancel_requested_at, tenant, details"

    private static func batches(_ rows: PostgresRowSequence) async throws -> [BatchRecord] {
        var out: [BatchRecord] = []
        for try await (id, name, key, queue, model, sha, created, cancel, tenant, details) in rows.decode(
            (String, String, String?, String, String?, String, Double, Double?, String, String?).self) {
            out.append(BatchRecord(id: id, name: name, idempotencyKey: key, queue: queue, model: model, specSHA256: sha,
                                   createdAt: created, cancelRequestedAt: cancel, tenant: tenant, details: details))
        }
        return out
    }

    public func recordBatch(_ batch: BatchRecord) async throws -> (batch: BatchRecord, created: Bool) {
        let now = self.now
        return try await transaction("record batch \(batch.id)") { c, logger in
            // The key's lock makes two submits with one key wait for each other instead of both inserting.
            if let key = batch.idempotencyKey {
                try await c.query("SELECT pg_advisory_xact_lock(hashtextextended(\(batch.tenant + "/" + key), 0))", logger: logger)
                if let existing = try await Self.batches(c.query("""
                    SELECT \(unescaped: Self.batchColumns) FROM textnlp_batches WHERE idempotency_key = \(key) AND tenant = \(batch.tenant)
                    """, logger: logger)).first {
                    return (existing, false)
                }
            }
            let inserted = try await Self.batches(c.query("""
                INSERT INTO textnlp_batches (id, name, idempotency_key, queue, model, spec_sha256, created_at, tenant, details)
                VALUES (\(batch.id), \(batch.name), \(batch.idempotencyKey), \(batch.queue), \(batch.model), \(batch.specSHA256),
                        \(unescaped: now), \(batch.tenant), \(batch.details))
                ON CONFLICT (id) DO NOTHING RETURNING \(unescaped: Self.batchColumns)
                """, logger: logger))
            if let new = inserted.first { return (new, true) }
            let existing = try await Self.batches(c.query("""
                SELECT \(unescaped: Self.batchColumns) FROM textnlp_batches WHERE id = \(batch.id)
                """, logger: logger))
            return (existing[0], false)
        }
    }

    public func batch(idempotencyKey key: String, tenant: String) async throws -> BatchRecord? {
        try await transaction("read the batch of key \(key)") { c, logger in
            try await Self.batches(c.query("""
                SELECT \(unescaped: Self.batchColumns) FROM textnlp_batches WHERE idempotency_key = \(key) AND tenant = \(tenant)
                """, logger: logger)).first
        }
    }

    public func batch(id: String) async throws -> BatchRecord? {
        try await transaction("read batch \(id)") { c, logger in
            try await Self.batches(c.query("SELECT \(unescaped: Self.batchColumns) FROM textnlp_batches WHERE id = \(id)", logger: logger)).first
        }
    }

    public func batches(after: String?, limit: Int, tenant: String?) async throws -> [BatchRecord] {
        try await transaction("list batches") { c, logger in
            // A cursor of another tenant or none at all starts nowhere: the list is empty, not someone else's.
            try await Self.batches(c.query("""
                SELECT \(unescaped: Self.batchColumns) FROM textnlp_batches
                WHERE (\(tenant)::text IS NULL OR tenant = \(tenant))
                  AND (\(after)::text IS NULL OR (created_at, id) < (SELECT created_at, id FROM textnlp_batches WHERE id = \(after)))
                ORDER BY created_at DESC, id DESC LIMIT \(limit)
                """, logger: logger))
        }
    }

    public func setBatchDetails(id: String, details: String) async throws {
        _ = try await transaction("record the details of batch \(id)") { c, logger in
            try await c.query("UPDATE textnlp_batches SET details = \(details) WHERE id = \(id)", logger: logger)
        }
    }

    public func cancelBatch(id: String) async throws {
        let now = self.now
        _ = try await transaction("cancel batch \(id)") { c, logger in
            try await c.query("""
                UPDATE textnlp_batches SET cancel_requested_at = COALESCE(cancel_requested_at, \(unescaped: now)) WHERE id = \(id)
                """, logger: logger)
        }
        try await cancel(group: id)
    }

    /// Also deletes finished groups of jobs of no batch as old.
    @discardableResult
    public func prune(retentionSeconds: Double) async throws -> Int {
        let now = self.now
        return try await transaction("prune finished batches") { c, logger in
            let old = try await PostgresRows.strings(c.query("""
                DELETE FROM textnlp_batches b WHERE b.created_at < \(unescaped: now) - \(retentionSeconds)
                  AND NOT EXISTS (SELECT 1 FROM textnlp_jobs j WHERE j.grp = b.id
                                  AND (j.finished_at IS NULL OR j.finished_at >= \(unescaped: now) - \(retentionSeconds)))
                RETURNING id
                """, logger: logger))
            if !old.isEmpty {
                try await c.query("DELETE FROM textnlp_artifact_chunks WHERE grp = ANY(\(old))", logger: logger)
                try await c.query("DELETE FROM textnlp_artifacts WHERE grp = ANY(\(old))", logger: logger)
                try await c.query("DELETE FROM textnlp_jobs WHERE grp = ANY(\(old))", logger: logger)
            }
            try await c.query("""
                DELETE FROM textnlp_jobs j WHERE j.finished_at < \(unescaped: now) - \(retentionSeconds)
                  AND j.state IN ('completed', 'cancelled', 'discarded')
                  AND NOT EXISTS (SELECT 1 FROM textnlp_batches b WHERE b.id = j.grp)
                  AND NOT EXISTS (SELECT 1 FROM textnlp_jobs o WHERE o.grp = j.grp AND o.finished_at IS NULL)
                """, logger: logger)
            return old.count
        }
    }

    public func deleteBatch(id: String) async throws -> Bool {
        try await transaction("delete batch \(id)") { c, logger in
            let gone = try await PostgresRows.strings(c.query("""
                DELETE FROM textnlp_batches b WHERE b.id = \(id)
                  AND NOT EXISTS (SELECT 1 FROM textnlp_jobs j WHERE j.grp = b.id AND j.finished_at IS NULL)
                RETURNING id
                """, logger: logger))
            guard !gone.isEmpty else { return false }
            try await c.query("DELETE FROM textnlp_artifact_chunks WHERE grp = \(id)", logger: logger)
            try await c.query("DELETE FROM textnlp_artifacts WHERE grp = \(id)", logger: logger)
            try await c.query("DELETE FROM textnlp_jobs WHERE grp = \(id)", logger: logger)
            return true
        }
    }
}
