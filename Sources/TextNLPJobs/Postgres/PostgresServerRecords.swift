import Foundation
import PostgresNIO

/// Keys, files and rate windows in PostgreSQL, shared by every replica of the server.
extension PostgresJobStore: ServerStore {
    private static let keyColumns = "id, hash, tenant, rpm, tpm, created_at, revoked_at"
    private static let fileColumns = "id, tenant, filename, purpose, bytes, created_at"

    private static func keys(_ rows: PostgresRowSequence) async throws -> [APIKeyRecord] {
        var out: [APIKeyRecord] = []
        for try await (id, hash, tenant, rpm, tpm, created, revoked) in rows.decode((String, String, String, Int32?, Int32?, Double, Double?).self) {
            out.append(APIKeyRecord(id: id, hash: hash, tenant: tenant, requestsPerMinute: rpm.map(Int.init), tokensPerMinute: tpm.map(Int.init),
                                    createdAt: created, revokedAt: revoked))
        }
        return out
    }

    private static func files(_ rows: PostgresRowSequence) async throws -> [FileRecord] {
        var out: [FileRecord] = []
        for try await (id, tenant, filename, purpose, bytes, created) in rows.decode((String, String, String, String, Int64, Double).self) {
            out.append(FileRecord(id: id, tenant: tenant, filename: filename, purpose: purpose, bytes: bytes, createdAt: created))
        }
        return out
    }

    public func createKey(_ key: APIKeyRecord) async throws {
        let now = self.now, rpm = key.requestsPerMinute.map(Int32.init), tpm = key.tokensPerMinute.map(Int32.init)
        _ = try await transaction("create a key of tenant \(key.tenant)") { c, logger in
            try await c.query("""
                INSERT INTO textnlp_api_keys (id, hash, tenant, rpm, tpm, created_at) VALUES (\(key.id), \(key.hash), \(key.tenant), \(rpm), \(tpm), \(unescaped: now))
                """, logger: logger)
        }
    }

    public func keys() async throws -> [APIKeyRecord] {
        try await transaction("list keys") { c, logger in
            try await Self.keys(c.query("SELECT \(unescaped: Self.keyColumns) FROM textnlp_api_keys ORDER BY created_at, id", logger: logger))
        }
    }

    public func key(hash: String) async throws -> APIKeyRecord? {
        try await autocommit("look up a key") { c, logger in
            try await Self.keys(c.query("""
                SELECT \(unescaped: Self.keyColumns) FROM textnlp_api_keys WHERE hash = \(hash) AND revoked_at IS NULL
                """, logger: logger)).first
        }
    }

    public func revokeKey(id: String) async throws -> Bool {
        let now = self.now
        return try await transaction("revoke key \(id)") { c, logger in
            try await PostgresRows.count(c.query("""
                UPDATE textnlp_api_keys SET revoked_at = \(unescaped: now) WHERE id = \(id) AND revoked_at IS NULL RETURNING id
                """, logger: logger)) == 1
        }
    }

    public func recordFile(_ file: FileRecord) async throws -> FileRecord {
        let now = self.now
        return try await transaction("record file \(file.id)") { c, logger in
            // A file recorded twice (two requests materializing one batch's output) stays the first.
            try await c.query("""
                INSERT INTO textnlp_files (id, tenant, filename, purpose, bytes, created_at)
                VALUES (\(file.id), \(file.tenant), \(file.filename), \(file.purpose), \(file.bytes), \(unescaped: now))
                ON CONFLICT (id) DO NOTHING
                """, logger: logger)
            return try await Self.files(c.query("SELECT \(unescaped: Self.fileColumns) FROM textnlp_files WHERE id = \(file.id)", logger: logger))[0]
        }
    }

    public func file(id: String, tenant: String) async throws -> FileRecord? {
        try await autocommit("read file \(id)") { c, logger in
            try await Self.files(c.query("""
                SELECT \(unescaped: Self.fileColumns) FROM textnlp_files WHERE id = \(id) AND tenant = \(tenant)
                """, logger: logger)).first
        }
    }

    public func files(tenant: String, after: String?, limit: Int) async throws -> [FileRecord] {
        try await autocommit("list files") { c, logger in
            try await Self.files(c.query("""
                SELECT \(unescaped: Self.fileColumns) FROM textnlp_files
                WHERE tenant = \(tenant)
                  AND (\(after)::text IS NULL OR (created_at, id) < (SELECT created_at, id FROM textnlp_files WHERE id = \(after)))
                ORDER BY created_at DESC, id DESC LIMIT \(limit)
                """, logger: logger))
        }
    }

    public func deleteFile(id: String, tenant: String) async throws -> Bool {
        let group = FileRecord.group(id)
        return try await transaction("delete file \(id)") { c, logger in
            guard try await PostgresRows.count(c.query("""
                DELETE FROM textnlp_files WHERE id = \(id) AND tenant = \(tenant) RETURNING id
                """, logger: logger)) == 1 else { return false }
            try await c.query("DELETE FROM textnlp_artifact_chunks WHERE grp = \(group)", logger: logger)
            try await c.query("DELETE FROM textnlp_artifacts WHERE grp = \(group)", logger: logger)
            return true
        }
    }

    public func recordUse(keyID: String, minute: Int64, requests: Int, tokens: Int) async throws -> RateWindow {
        let tokens = Int64(tokens)
        return try await autocommit("count a request of key \(keyID)") { c, logger in
            var window = RateWindow(requests: 0, tokens: 0)
            for try await (requests, total) in try await c.query("""
                INSERT INTO textnlp_rate_windows (key_id, minute, requests, tokens) VALUES (\(keyID), \(minute), \(Int32(requests)), \(tokens))
                ON CONFLICT (key_id, minute) DO UPDATE SET requests = textnlp_rate_windows.requests + EXCLUDED.requests,
                                                           tokens = textnlp_rate_windows.tokens + EXCLUDED.tokens
                RETURNING requests, tokens
                """, logger: logger).decode((Int32, Int64).self) {
                window = RateWindow(requests: Int(requests), tokens: Int(total))
            }
            return window
        }
    }
}
