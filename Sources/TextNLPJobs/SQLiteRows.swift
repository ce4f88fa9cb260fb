import Foundation
import GRDB

/// Reading and writing rows of the SQLite store's tables.
enum SQLiteRows {
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
    static func loseAttempts(_ db: Database, store: String, where condition: String, arguments: StatementArguments,
                             message: String, now: Double) throws -> Int {
        let rows = try GRDB.Row.fetchAll(db, sql: "SELECT * FROM jobs WHERE \(condition)", arguments: arguments)
        for row in rows {
            let job = try record(row, store: store)
            let errors = job.errors + [AttemptError(attempt: job.attempt, at: now, message: message)]
            let state: JobState = job.cancelRequested ? .cancelled : job.attempt < job.maxAttempts ? .retryable : .discarded
            try db.execute(sql: """
                UPDATE jobs SET state = ?, errors = ?, run_at = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ?
                """, arguments: [state.rawValue, encode(errors), now, state.isFinal ? now : nil, job.id])
        }
        return rows.count
    }

    /// A job from its row; a state or error history this version cannot read is an error, never a guess.
    static func record(_ row: GRDB.Row, store: String) throws -> JobRecord {
        let id: Int64 = row["id"]
        let stateText: String = row["state"] ?? ""
        guard let state = JobState(rawValue: stateText) else {
            throw JobsError.corruptRecord(store: store, job: id, field: "state", value: stateText)
        }
        let errorsText: String = row["errors"] ?? "[]"
        guard let errors = try? JSONDecoder().decode([AttemptError].self, from: Data(errorsText.utf8)) else {
            throw JobsError.corruptRecord(store: store, job: id, field: "errors", value: String(errorsText.prefix(200)))
        }
        return JobRecord(
            id: id, queue: row["queue"], kind: row["kind"], key: row["key"], group: row["grp"], payload: row["payload"],
            state: state, priority: row["priority"], attempt: row["attempt"],
            maxAttempts: row["max_attempts"], runAt: row["run_at"], leaseOwner: row["lease_owner"],
            leaseExpiresAt: row["lease_expires_at"], errors: errors, result: row["result"], createdAt: row["created_at"],
            startedAt: row["started_at"], finishedAt: row["finished_at"], cancelRequested: (row["cancel_requested"] as Int?) == 1)
    }

    static func encode(_ errors: [AttemptError]) throws -> String {
        String(decoding: try JSONEncoder().encode(errors), as: UTF8.self)
    }
}
