import Foundation
import PostgresNIO

/// Reading the store's rows.
enum PostgresRows {
    static func columns(_ t: String) -> String {
        ["id", "queue", "kind", "key", "grp", "payload", "state", "priority", "attempt", "max_attempts", "run_at",
         "lease_owner", "lease_expires_at", "errors::text AS errors", "result", "created_at", "started_at", "finished_at", "cancel_requested"]
            .map { "\(t).\($0)" }.joined(separator: ", ")
    }

    /// Jobs from rows selected with `columns`; an unknown state or unreadable history is an error, never a guess.
    static func records(_ rows: PostgresRowSequence, store: String) async throws -> [JobRecord] {
        var records: [JobRecord] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            let id = try r["id"].decode(Int64.self)
            let stateText = try r["state"].decode(String.self)
            guard let state = JobState(rawValue: stateText) else {
                throw JobsError.corruptRecord(store: store, job: id, field: "state", value: stateText)
            }
            let errorsText = try r["errors"].decode(String.self)
            // Most jobs have no history: they skip the decoder.
            guard let errors = errorsText == "[]" ? [] : try? JSONDecoder().decode([AttemptError].self, from: Data(errorsText.utf8)) else {
                throw JobsError.corruptRecord(store: store, job: id, field: "errors", value: String(errorsText.prefix(200)))
            }
            records.append(JobRecord(
                id: id, queue: try r["queue"].decode(String.self), kind: try r["kind"].decode(String.self),
                key: try r["key"].decode(String.self), group: try r["grp"].decode(String.self),
                payload: try r["payload"].decode(String.self), state: state,
                priority: Int(try r["priority"].decode(Int32.self)), attempt: Int(try r["attempt"].decode(Int32.self)),
                maxAttempts: Int(try r["max_attempts"].decode(Int32.self)), runAt: try r["run_at"].decode(Double.self),
                leaseOwner: try r["lease_owner"].decode(String?.self), leaseExpiresAt: try r["lease_expires_at"].decode(Double?.self),
                errors: errors, result: try r["result"].decode(String?.self), createdAt: try r["created_at"].decode(Double.self),
                startedAt: try r["started_at"].decode(Double?.self), finishedAt: try r["finished_at"].decode(Double?.self),
                cancelRequested: try r["cancel_requested"].decode(Bool.self)))
        }
        return records
    }

    static func count(_ rows: PostgresRowSequence) async throws -> Int {
        var n = 0
        for try await _ in rows { n += 1 }
        return n
    }

    static func strings(_ rows: PostgresRowSequence) async throws -> [String] {
        var values: [String] = []
        for try await value in rows.decode(String.self) { values.append(value) }
        return values
    }
}
