import TextNLPBatches
import TextNLPJobs
import TextNLPPipeline

/// The OpenAI Batch API's batch object, field for field (openai-python `types/batch.py`).
enum BatchObject {
    static let window: Double = 86_400

    /// The status of a batch of the OpenAI door: a batch whose input failed validation has no jobs and
    /// is `failed` from its creation.
    static func status(_ details: BatchDetails, _ status: BatchStatus) -> String {
        if !details.errors.isEmpty { return "failed" }
        if details.expiredAt != nil && status.status != "completed" { return "expired" }
        return status.status
    }

    static func json(_ record: BatchRecord, details: BatchDetails, status: BatchStatus, files: (output: String?, errors: String?)) -> JSONValue {
        let state = Self.status(details, status)
        func time(_ t: Double?) -> JSONValue { t.map { .int(Int64($0)) } ?? .null }
        let stamps = Dictionary(status.timestamps.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        let failedAt = details.errors.isEmpty ? stamps["failed_at"] ?? nil : record.createdAt
        let total = details.errors.isEmpty ? (status.rowsTotal ?? 0) : 0
        // Requests, not rows: a request with `n` samples writes n rows. Those answered are the finished
        // shards' rows in, less the ones that failed there.
        let completed = max(0, status.rowsDone - (status.rowsFailed - status.badInput))
        let errors: JSONValue = details.errors.isEmpty ? .null
            : .object(JSONObject([("object", .string("list")), ("data", .array(details.errors.map(\.json)))]))
        let usage = JSONValue.object(JSONObject([
            ("input_tokens", .int(Int64(status.promptTokens))), ("output_tokens", .int(Int64(status.completionTokens))),
            ("total_tokens", .int(Int64(status.promptTokens + status.completionTokens))),
            ("input_tokens_details", .object(JSONObject([("cached_tokens", .int(0))]))),
            ("output_tokens_details", .object(JSONObject([("reasoning_tokens", .int(0))]))),
        ]))
        return .object(JSONObject([
            ("id", .string(record.id)), ("object", .string("batch")), ("endpoint", .string(details.endpoint)),
            ("errors", errors), ("input_file_id", .string(details.inputFileID)), ("completion_window", .string(details.completionWindow)),
            ("status", .string(state)),
            ("output_file_id", files.output.map(JSONValue.string) ?? .null), ("error_file_id", files.errors.map(JSONValue.string) ?? .null),
            ("created_at", time(record.createdAt)), ("in_progress_at", time(stamps["in_progress_at"] ?? nil)),
            ("expires_at", time(record.createdAt + window)), ("finalizing_at", time(stamps["finalizing_at"] ?? nil)),
            ("completed_at", time(stamps["completed_at"] ?? nil)), ("failed_at", time(failedAt)), ("expired_at", time(details.expiredAt)),
            ("cancelling_at", time(stamps["cancelling_at"] ?? nil)), ("cancelled_at", time(stamps["cancelled_at"] ?? nil)),
            ("request_counts", .object(JSONObject([
                ("total", .int(Int64(total))), ("completed", .int(Int64(completed))), ("failed", .int(Int64(status.rowsFailed))),
            ]))),
            ("usage", usage), ("metadata", details.metadata), ("model", details.model.map(JSONValue.string) ?? .null),
        ]))
    }
}
