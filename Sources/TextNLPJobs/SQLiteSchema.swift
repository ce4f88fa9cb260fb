import Foundation
import GRDB

/// The tables of the SQLite store and the row mapping.
enum SQLiteSchema {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS jobs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                queue TEXT NOT NULL,
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                grp TEXT NOT NULL,
                payload TEXT NOT NULL,
                state TEXT NOT NULL,
                priority INTEGER NOT NULL DEFAULT 0,
                attempt INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL,
                run_at REAL NOT NULL,
                lease_owner TEXT,
                lease_expires_at REAL,
                errors TEXT NOT NULL DEFAULT '[]',
                result TEXT,
                created_at REAL NOT NULL,
                started_at REAL,
                finished_at REAL,
                UNIQUE (grp, key)
            );
            CREATE INDEX IF NOT EXISTS jobs_claim ON jobs (queue, state, priority, run_at, id);
            CREATE TABLE IF NOT EXISTS job_dependencies (
                job_id INTEGER NOT NULL REFERENCES jobs (id),
                prerequisite_id INTEGER NOT NULL REFERENCES jobs (id),
                PRIMARY KEY (job_id, prerequisite_id)
            );
            """)
    }

    static func insert(_ jobs: [NewJob], now: Double, db: Database) throws -> Int {
        var added = 0
        for job in jobs {
            let scheduled = !job.dependsOn.isEmpty || (job.runAt ?? now) > now
            try db.execute(sql: """
                INSERT INTO jobs (queue, kind, key, grp, payload, state, priority, max_attempts, run_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (grp, key) DO NOTHING
                """, arguments: [job.queue, job.kind, job.key, job.group, job.payload, scheduled ? "scheduled" : "available",
                                 job.priority, job.maxAttempts, job.runAt ?? now, now])
            guard db.changesCount == 1 else { continue }
            added += 1
            let id = db.lastInsertedRowID
            for dependency in job.dependsOn {
                guard let prerequisite = try Int64.fetchOne(db, sql: "SELECT id FROM jobs WHERE grp = ? AND key = ?",
                                                            arguments: [job.group, dependency]) else {
                    throw JobsError.unknownDependency(group: job.group, key: job.key, dependency: dependency)
                }
                try db.execute(sql: "INSERT INTO job_dependencies (job_id, prerequisite_id) VALUES (?, ?)", arguments: [id, prerequisite])
            }
        }
        return added
    }

    /// Running jobs matching `condition` lose their attempt: retryable now, or discarded when none is left.
    static func loseAttempts(_ db: Database, where condition: String, arguments: StatementArguments, message: String, now: Double) throws -> Int {
        let rows = try GRDB.Row.fetchAll(db, sql: "SELECT * FROM jobs WHERE \(condition)", arguments: arguments)
        for row in rows {
            let job = record(row)
            let errors = job.errors + [AttemptError(attempt: job.attempt, at: now, message: message)]
            let state: JobState = job.attempt < job.maxAttempts ? .retryable : .discarded
            try db.execute(sql: """
                UPDATE jobs SET state = ?, errors = ?, run_at = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ?
                """, arguments: [state.rawValue, encode(errors), now, state == .discarded ? now : nil, job.id])
        }
        return rows.count
    }

    static func record(_ row: GRDB.Row) -> JobRecord {
        let errorsText: String = row["errors"] ?? "[]"
        let errors = (try? JSONDecoder().decode([AttemptError].self, from: Data(errorsText.utf8))) ?? []
        let stateText: String = row["state"] ?? ""
        return JobRecord(
            id: row["id"], queue: row["queue"], kind: row["kind"], key: row["key"], group: row["grp"], payload: row["payload"],
            state: JobState(rawValue: stateText) ?? .discarded, priority: row["priority"], attempt: row["attempt"],
            maxAttempts: row["max_attempts"], runAt: row["run_at"], leaseOwner: row["lease_owner"],
            leaseExpiresAt: row["lease_expires_at"], errors: errors, result: row["result"], createdAt: row["created_at"],
            startedAt: row["started_at"], finishedAt: row["finished_at"])
    }

    static func encode(_ errors: [AttemptError]) -> String {
        let data = (try? JSONEncoder().encode(errors)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
