import Foundation
import GRDB

/// Artifacts in the embedded store, chunked as on PostgreSQL: whole or absent, read a chunk at a time.
extension SQLiteJobStore {
    static let chunkBytes = 1 << 20

    static func replaceArtifact(group: String, name: String, bytes: [UInt8], now: Double, db: Database) throws {
        try deleteArtifact(group: group, name: name, db: db)
        var seq = 0
        var offset = 0
        repeat {
            let end = min(bytes.count, offset + chunkBytes)
            try db.execute(sql: "INSERT INTO artifact_chunks (grp, name, seq, data) VALUES (?, ?, ?, ?)",
                           arguments: [group, name, seq, Data(bytes[offset..<end])])
            seq += 1
            offset = end
        } while offset < bytes.count
        try db.execute(sql: "INSERT INTO artifacts (grp, name, bytes, chunks, created_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [group, name, bytes.count, seq, now])
    }

    static func deleteArtifact(group: String, name: String, db: Database) throws {
        try db.execute(sql: "DELETE FROM artifact_chunks WHERE grp = ? AND name = ?", arguments: [group, name])
        try db.execute(sql: "DELETE FROM artifacts WHERE grp = ? AND name = ?", arguments: [group, name])
    }

    public func putArtifact(group: String, name: String, bytes: [UInt8]) async throws {
        let t = now()
        try await write("write artifact \(group)/\(name)") { db in
            try Self.replaceArtifact(group: group, name: name, bytes: bytes, now: t, db: db)
        }
    }

    public func putArtifact(group: String, name: String, fromFile file: String) async throws {
        let t = now(), store = path
        try await write("write artifact \(group)/\(name)") { db in
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw JobsError.queryFailed(store: store, operation: "write artifact \(group)/\(name)", reason: "cannot read \(file)")
            }
            defer { try? handle.close() }
            try Self.deleteArtifact(group: group, name: name, db: db)
            var seq = 0
            var total = 0
            while true {
                let data = try handle.read(upToCount: Self.chunkBytes) ?? Data()
                if data.isEmpty && seq > 0 { break }
                try db.execute(sql: "INSERT INTO artifact_chunks (grp, name, seq, data) VALUES (?, ?, ?, ?)", arguments: [group, name, seq, data])
                seq += 1
                total += data.count
                if data.count < Self.chunkBytes { break }
            }
            try db.execute(sql: "INSERT INTO artifacts (grp, name, bytes, chunks, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [group, name, total, seq, t])
        }
    }

    @discardableResult
    public func readArtifact(group: String, name: String, _ body: @escaping @Sendable ([UInt8]) async throws -> Void) async throws -> Bool {
        // A chunk per read: a reader holds one chunk in memory, and a replace in between is seen by the chunk
        // count changing (then the read starts again from a consistent snapshot of the listing).
        guard let chunks = try await read("read artifact \(group)/\(name)", { db in
            try Int.fetchOne(db, sql: "SELECT chunks FROM artifacts WHERE grp = ? AND name = ?", arguments: [group, name])
        }) else { return false }
        for seq in 0..<chunks {
            let data = try await read("read artifact \(group)/\(name)") { db in
                try Data.fetchOne(db, sql: "SELECT data FROM artifact_chunks WHERE grp = ? AND name = ? AND seq = ?", arguments: [group, name, seq])
            }
            guard let data else {
                throw JobsError.queryFailed(store: path, operation: "read artifact \(group)/\(name)", reason: "it was replaced while it was read")
            }
            try await body(Array(data))
        }
        return true
    }

    public func artifacts(group: String) async throws -> [ArtifactEntry] {
        try await read("list the artifacts of \(group)") { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT name, bytes FROM artifacts WHERE grp = ? ORDER BY name", arguments: [group])
                .map { ArtifactEntry(name: $0["name"], bytes: $0["bytes"]) }
        }
    }

    @discardableResult
    public func concatenateArtifacts(group: String, names: [String], into name: String) async throws -> Int64 {
        let t = now(), store = path
        return try await write("write artifact \(group)/\(name)") { db in
            var seq = 0
            var total: Int64 = 0
            var rows: [(Int, Data)] = []
            for part in names {
                if try Int.fetchOne(db, sql: "SELECT chunks FROM artifacts WHERE grp = ? AND name = ?", arguments: [group, part]) == nil {
                    throw JobsError.queryFailed(store: store, operation: "write artifact \(group)/\(name)", reason: "artifact \(part) is missing")
                }
            }
            try Self.deleteArtifact(group: group, name: name, db: db)
            for part in names {
                let cursor = try Data.fetchCursor(db, sql: "SELECT data FROM artifact_chunks WHERE grp = ? AND name = ? ORDER BY seq",
                                                  arguments: [group, part])
                rows.removeAll(keepingCapacity: true)
                while let data = try cursor.next() { rows.append((seq, data)); seq += 1; total += Int64(data.count) }
                for (s, data) in rows {
                    try db.execute(sql: "INSERT INTO artifact_chunks (grp, name, seq, data) VALUES (?, ?, ?, ?)", arguments: [group, name, s, data])
                }
            }
            try db.execute(sql: "INSERT INTO artifacts (grp, name, bytes, chunks, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [group, name, total, seq, t])
            return total
        }
    }

    public func artifactExists(group: String, name: String) async throws -> Bool {
        try await read("look for artifact \(group)/\(name)") { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM artifacts WHERE grp = ? AND name = ?", arguments: [group, name]) ?? false
        }
    }

    public func deleteArtifacts(group: String) async throws {
        try await write("delete the artifacts of \(group)") { db in
            try db.execute(sql: "DELETE FROM artifact_chunks WHERE grp = ?", arguments: [group])
            try db.execute(sql: "DELETE FROM artifacts WHERE grp = ?", arguments: [group])
        }
    }
}
