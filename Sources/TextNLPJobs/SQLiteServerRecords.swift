import Foundation
import GRDB

/// Keys, files and rate windows in the embedded store.
extension SQLiteJobStore: ServerStore {
    private static func key(_ row: GRDB.Row) -> APIKeyRecord {
        APIKeyRecord(id: row["id"], hash: row["hash"], tenant: row["tenant"], requestsPerMinute: row["rpm"], tokensPerMinute: row["tpm"],
                     createdAt: row["created_at"], revokedAt: row["revoked_at"])
    }

    private static func file(_ row: GRDB.Row) -> FileRecord {
        FileRecord(id: row["id"], tenant: row["tenant"], filename: row["filename"], purpose: row["purpose"], bytes: row["bytes"],
                   createdAt: row["created_at"])
    }

    public func createKey(_ key: APIKeyRecord) async throws {
        let t = now()
        try await write("create a key of tenant \(key.tenant)") { db in
            try db.execute(sql: "INSERT INTO api_keys (id, hash, tenant, rpm, tpm, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [key.id, key.hash, key.tenant, key.requestsPerMinute, key.tokensPerMinute, t])
        }
    }

    public func keys() async throws -> [APIKeyRecord] {
        try await read("list keys") { db in try GRDB.Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at, id").map(Self.key) }
    }

    public func key(hash: String) async throws -> APIKeyRecord? {
        try await read("look up a key") { db in
            try GRDB.Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL", arguments: [hash]).map(Self.key)
        }
    }

    public func revokeKey(id: String) async throws -> Bool {
        let t = now()
        return try await write("revoke key \(id)") { db in
            try db.execute(sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [t, id])
            return db.changesCount == 1
        }
    }

    public func recordFile(_ file: FileRecord) async throws -> FileRecord {
        let t = now()
        return try await write("record file \(file.id)") { db in
            // A file recorded twice (two requests materializing one batch's output) stays the first.
            try db.execute(sql: "INSERT OR IGNORE INTO files (id, tenant, filename, purpose, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [file.id, file.tenant, file.filename, file.purpose, file.bytes, t])
            guard let row = try GRDB.Row.fetchOne(db, sql: "SELECT * FROM files WHERE id = ?", arguments: [file.id]) else {
                throw JobsError.queryFailed(store: self.path, operation: "record file \(file.id)", reason: "the file vanished")
            }
            return Self.file(row)
        }
    }

    public func file(id: String, tenant: String) async throws -> FileRecord? {
        try await read("read file \(id)") { db in
            try GRDB.Row.fetchOne(db, sql: "SELECT * FROM files WHERE id = ? AND tenant = ?", arguments: [id, tenant]).map(Self.file)
        }
    }

    public func files(tenant: String, after: String?, limit: Int) async throws -> [FileRecord] {
        try await read("list files") { db in
            try GRDB.Row.fetchAll(db, sql: """
                SELECT * FROM files WHERE tenant = ?1
                  AND (?2 IS NULL OR (created_at, id) < (SELECT created_at, id FROM files WHERE id = ?2))
                ORDER BY created_at DESC, id DESC LIMIT ?3
                """, arguments: [tenant, after, limit]).map(Self.file)
        }
    }

    public func deleteFile(id: String, tenant: String) async throws -> Bool {
        let group = FileRecord.group(id)
        return try await write("delete file \(id)") { db in
            try db.execute(sql: "DELETE FROM files WHERE id = ? AND tenant = ?", arguments: [id, tenant])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "DELETE FROM artifact_chunks WHERE grp = ?", arguments: [group])
            try db.execute(sql: "DELETE FROM artifacts WHERE grp = ?", arguments: [group])
            return true
        }
    }

    public func recordUse(keyID: String, minute: Int64, requests: Int, tokens: Int) async throws -> RateWindow {
        try await write("count a request of key \(keyID)") { db in
            let row = try GRDB.Row.fetchOne(db, sql: """
                INSERT INTO rate_windows (key_id, minute, requests, tokens) VALUES (?, ?, ?, ?)
                ON CONFLICT (key_id, minute) DO UPDATE SET requests = requests + excluded.requests, tokens = tokens + excluded.tokens
                RETURNING requests, tokens
                """, arguments: [keyID, minute, requests, tokens])
            return RateWindow(requests: row?["requests"] ?? requests, tokens: row?["tokens"] ?? tokens)
        }
    }
}
