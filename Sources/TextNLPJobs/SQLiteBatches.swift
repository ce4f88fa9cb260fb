import Foundation
import GRDB

/// Batches in the embedded store: the same records and rules as on PostgreSQL, for the embedded server.
extension SQLiteJobStore: BatchStore {
    public var description: String { path }

    private static let batchColumns = "id, name, idempotency_key, queue, model, spec_sha256, created_at, cancel_requested_at, tenant, details"

    private static func batch(_ row: GRDB.Row) -> BatchRecord {
        BatchRecord(id: row["id"], name: row["name"], idempotencyKey: row["idempotency_key"], queue: row["queue"], model: row["model"],
                    specSHA256: row["spec_sha256"], createdAt: row["created_at"], cancelRequestedAt: row["cancel_requested_at"],
                    tenant: row["tenant"], details: row["details"])
    }

    public func recordBatch(_ batch: BatchRecord) async throws -> (batch: BatchRecord, created: Bool) {
        let t = now()
        // One write transaction: SQLite runs one at a time, so two submits with one key cannot both insert.
        return try await write("record batch \(batch.id)") { db in
            if let key = batch.idempotencyKey, let row = try GRDB.Row.fetchOne(db, sql: """
                SELECT \(Self.batchColumns) FROM batches WHERE idempotency_key = ? AND tenant = ?
                """, arguments: [key, batch.tenant]) {
                return (Self.batch(row), false)
            }
            if let row = try GRDB.Row.fetchOne(db, sql: "SELECT \(Self.batchColumns) FROM batches WHERE id = ?", arguments: [batch.id]) {
                return (Self.batch(row), false)
            }
            try db.execute(sql: """
                INSERT INTO batches (id, name, idempotency_key, queue, model, spec_sha256, created_at, tenant, details)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [batch.id, batch.name, batch.idempotencyKey, batch.queue, batch.model, batch.specSHA256, t,
                                 batch.tenant, batch.details])
            var stored = batch
            stored.createdAt = t
            stored.cancelRequestedAt = nil
            return (stored, true)
        }
    }

    public func batch(idempotencyKey key: String, tenant: String) async throws -> BatchRecord? {
        try await read("read the batch of key \(key)") { db in
            try GRDB.Row.fetchOne(db, sql: "SELECT \(Self.batchColumns) FROM batches WHERE idempotency_key = ? AND tenant = ?",
                                  arguments: [key, tenant]).map(Self.batch)
        }
    }

    public func batch(id: String) async throws -> BatchRecord? {
        try await read("read batch \(id)") { db in
            try GRDB.Row.fetchOne(db, sql: "SELECT \(Self.batchColumns) FROM batches WHERE id = ?", arguments: [id]).map(Self.batch)
        }
    }

    public func batches(after: String?, limit: Int, tenant: String?) async throws -> [BatchRecord] {
        try await read("list batches") { db in
            try GRDB.Row.fetchAll(db, sql: """
                SELECT \(Self.batchColumns) FROM batches
                WHERE (?1 IS NULL OR tenant = ?1)
                  AND (?2 IS NULL OR (created_at, id) < (SELECT created_at, id FROM batches WHERE id = ?2))
                ORDER BY created_at DESC, id DESC LIMIT ?3
                """, arguments: [tenant, after, limit]).map(Self.batch)
        }
    }

    public func setBatchDetails(id: String, details: String) async throws {
        try await write("record the details of batch \(id)") { db in
            try db.execute(sql: "UPDATE batches SET details = ? WHERE id = ?", arguments: [details, id])
        }
    }

    public func cancelBatch(id: String) async throws {
        let t = now()
        try await write("cancel batch \(id)") { db in
            try db.execute(sql: "UPDATE batches SET cancel_requested_at = COALESCE(cancel_requested_at, ?) WHERE id = ?", arguments: [t, id])
        }
        try await cancel(group: id)
    }

    @discardableResult
    public func prune(retentionSeconds: Double) async throws -> Int {
        let cutoff = now() - retentionSeconds
        return try await write("prune finished batches") { db in
            let old = try String.fetchAll(db, sql: """
                SELECT b.id FROM batches b WHERE b.created_at < ?1
                  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.grp = b.id AND (j.finished_at IS NULL OR j.finished_at >= ?1))
                """, arguments: [cutoff])
            for id in old { try Self.delete(id, db) }
            return old.count
        }
    }

    public func deleteBatch(id: String) async throws -> Bool {
        try await write("delete batch \(id)") { db in
            let ended = try Bool.fetchOne(db, sql: """
                SELECT NOT EXISTS (SELECT 1 FROM jobs j WHERE j.grp = b.id AND j.finished_at IS NULL) FROM batches b WHERE b.id = ?
                """, arguments: [id]) ?? false
            if ended { try Self.delete(id, db) }
            return ended
        }
    }

    private static func delete(_ id: String, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM artifact_chunks WHERE grp = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM artifacts WHERE grp = ?", arguments: [id])
        try db.execute(sql: """
            DELETE FROM job_dependencies WHERE job_id IN (SELECT id FROM jobs WHERE grp = ?1)
               OR prerequisite_id IN (SELECT id FROM jobs WHERE grp = ?1)
            """, arguments: [id])
        try db.execute(sql: "DELETE FROM jobs WHERE grp = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM batches WHERE id = ?", arguments: [id])
    }
}
