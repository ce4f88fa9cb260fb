import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Artifacts in the database: the files of a batch (input shards, parts, the dataset, the manifest, the
/// reports), so that a cluster shares nothing but PostgreSQL. An artifact is a row in `textnlp_artifacts`
/// and its chunks of at most `chunkBytes` in `textnlp_artifact_chunks`; writing one replaces it whole in one
/// transaction, and reading streams its chunks, so neither holds more than a chunk in memory.
enum PostgresArtifacts {
    static let chunkBytes = 1 << 20

    /// Replaces an artifact by `bytes` on a connection inside a transaction.
    static func replace(group: String, name: String, bytes: [UInt8], now: String, on c: PostgresConnection, logger: Logger) async throws {
        try await delete(group: group, name: name, on: c, logger: logger)
        var seq: Int32 = 0
        var offset = 0
        repeat {
            let end = min(offset + chunkBytes, bytes.count)
            try await insertChunk(group: group, name: name, seq: seq, data: ByteBuffer(bytes: bytes[offset..<end]), on: c, logger: logger)
            seq += 1
            offset = end
        } while offset < bytes.count
        try await finish(group: group, name: name, bytes: Int64(bytes.count), chunks: seq, now: now, on: c, logger: logger)
    }

    static func delete(group: String, name: String, on c: PostgresConnection, logger: Logger) async throws {
        try await c.query("DELETE FROM textnlp_artifact_chunks WHERE grp = \(group) AND name = \(name)", logger: logger)
        try await c.query("DELETE FROM textnlp_artifacts WHERE grp = \(group) AND name = \(name)", logger: logger)
    }

    static func insertChunk(group: String, name: String, seq: Int32, data: ByteBuffer, on c: PostgresConnection, logger: Logger) async throws {
        try await c.query("""
            INSERT INTO textnlp_artifact_chunks (grp, name, seq, data) VALUES (\(group), \(name), \(seq), \(data))
            """, logger: logger)
    }

    static func finish(group: String, name: String, bytes: Int64, chunks: Int32, now: String, on c: PostgresConnection, logger: Logger) async throws {
        try await c.query("""
            INSERT INTO textnlp_artifacts (grp, name, bytes, chunks, created_at) VALUES (\(group), \(name), \(bytes), \(chunks), \(unescaped: now))
            """, logger: logger)
    }
}

extension PostgresJobStore {
    /// Replaces an artifact of `group` by `bytes`.
    public func putArtifact(group: String, name: String, bytes: [UInt8]) async throws {
        let now = self.now
        try await transaction("write artifact \(group)/\(name)") { c, logger in
            try await PostgresArtifacts.replace(group: group, name: name, bytes: bytes, now: now, on: c, logger: logger)
        }
    }

    /// Replaces an artifact of `group` by a local file's bytes, read a chunk at a time.
    public func putArtifact(group: String, name: String, fromFile path: String) async throws {
        let now = self.now
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw JobsError.queryFailed(store: description, operation: "write artifact \(group)/\(name)", reason: "cannot read \(path)")
        }
        defer { try? handle.close() }
        try await transaction("write artifact \(group)/\(name)") { c, logger in
            try await PostgresArtifacts.delete(group: group, name: name, on: c, logger: logger)
            var seq: Int32 = 0
            var total: Int64 = 0
            while true {
                let data = try handle.read(upToCount: PostgresArtifacts.chunkBytes) ?? Data()
                if data.isEmpty && seq > 0 { break }
                try await PostgresArtifacts.insertChunk(group: group, name: name, seq: seq, data: ByteBuffer(bytes: data), on: c, logger: logger)
                seq += 1
                total += Int64(data.count)
                if data.count < PostgresArtifacts.chunkBytes { break }
            }
            try await PostgresArtifacts.finish(group: group, name: name, bytes: total, chunks: seq, now: now, on: c, logger: logger)
        }
    }

    /// Streams an artifact's chunks in order to `body`; false when there is no such artifact.
    @discardableResult
    public func readArtifact(group: String, name: String, _ body: @escaping @Sendable ([UInt8]) async throws -> Void) async throws -> Bool {
        try await transaction("read artifact \(group)/\(name)") { c, logger in
            // In the transaction, the listing row and the chunks are one snapshot: a replace in between cannot mix two versions.
            guard try await PostgresRows.count(c.query("SELECT 1 FROM textnlp_artifacts WHERE grp = \(group) AND name = \(name)", logger: logger)) == 1 else {
                return false
            }
            let rows = try await c.query("""
                SELECT data FROM textnlp_artifact_chunks WHERE grp = \(group) AND name = \(name) ORDER BY seq
                """, logger: logger)
            for try await buffer in rows.decode(ByteBuffer.self) {
                try await body(Array(buffer.readableBytesView))
            }
            return true
        }
    }

    /// Every whole artifact of `group`, by name.
    public func artifacts(group: String) async throws -> [ArtifactEntry] {
        try await transaction("list the artifacts of \(group)") { c, logger in
            var entries: [ArtifactEntry] = []
            for try await (name, bytes) in try await c.query("""
                SELECT name, bytes FROM textnlp_artifacts WHERE grp = \(group) ORDER BY name
                """, logger: logger).decode((String, Int64).self) {
                entries.append(ArtifactEntry(name: name, bytes: bytes))
            }
            return entries
        }
    }

    /// Replaces `name` by the artifacts `names` one after another, copied chunk by chunk inside the server.
    /// Missing names are an error. Returns the new artifact's size.
    @discardableResult
    public func concatenateArtifacts(group: String, names: [String], into name: String) async throws -> Int64 {
        let now = self.now, store = description
        return try await transaction("write artifact \(group)/\(name)") { c, logger in
            let present = try await PostgresRows.strings(c.query("""
                SELECT name FROM textnlp_artifacts WHERE grp = \(group) AND name = ANY(\(names))
                """, logger: logger))
            if let missing = names.first(where: { !present.contains($0) }) {
                throw JobsError.queryFailed(store: store, operation: "write artifact \(group)/\(name)", reason: "artifact \(missing) is missing")
            }
            try await PostgresArtifacts.delete(group: group, name: name, on: c, logger: logger)
            try await c.query("""
                INSERT INTO textnlp_artifact_chunks (grp, name, seq, data)
                SELECT \(group), \(name), (row_number() OVER (ORDER BY n.ord, k.seq) - 1)::integer, k.data
                FROM unnest(\(names)::text[]) WITH ORDINALITY AS n(name, ord)
                JOIN textnlp_artifact_chunks k ON k.grp = \(group) AND k.name = n.name
                """, logger: logger)
            var bytes: Int64 = 0
            var chunks: Int32 = 0
            for try await (b, n) in try await c.query("""
                SELECT COALESCE(sum(octet_length(data)), 0)::bigint, count(*)::integer FROM textnlp_artifact_chunks
                WHERE grp = \(group) AND name = \(name)
                """, logger: logger).decode((Int64, Int32).self) {
                bytes = b
                chunks = n
            }
            try await PostgresArtifacts.finish(group: group, name: name, bytes: bytes, chunks: chunks, now: now, on: c, logger: logger)
            return bytes
        }
    }

    public func deleteArtifacts(group: String) async throws {
        try await transaction("delete the artifacts of \(group)") { c, logger in
            try await c.query("DELETE FROM textnlp_artifact_chunks WHERE grp = \(group)", logger: logger)
            try await c.query("DELETE FROM textnlp_artifacts WHERE grp = \(group)", logger: logger)
        }
    }

    public func artifactExists(group: String, name: String) async throws -> Bool {
        try await transaction("look for artifact \(group)/\(name)") { c, logger in
            try await PostgresRows.count(c.query("SELECT 1 FROM textnlp_artifacts WHERE grp = \(group) AND name = \(name)", logger: logger)) == 1
        }
    }
}
