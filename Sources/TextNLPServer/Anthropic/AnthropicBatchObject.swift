import Foundation
import TextNLPBatches
import TextNLPJobs
import TextNLPPipeline

/// Anthropic's `message_batch` object (anthropic-python `types/messages/message_batch.py`) for a batch made
/// through `/v1/messages/batches`. It is the same batch `/v1/batches` and `/v1/batch` show; the counts are
/// live (Anthropic's stay zero until the end), under Anthropic's names.
enum AnthropicBatchObject {
    static let endpoint = "/v1/messages"

    static func isAnthropic(_ record: BatchRecord) -> Bool { BatchDetails(record)?.endpoint == endpoint }

    static func time(_ t: Double?) -> JSONValue {
        guard let t else { return .null }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return .string(f.string(from: Date(timeIntervalSince1970: t)))
    }

    /// The OpenAI state as Anthropic's processing status.
    static func processing(_ state: String) -> String {
        switch state {
        case "cancelling": "canceling"
        case "completed", "failed", "cancelled", "expired": "ended"
        default: "in_progress"
        }
    }

    static func details(_ record: BatchRecord) -> BatchDetails {
        BatchDetails(record) ?? BatchDetails(endpoint: endpoint, inputFileID: "", completionWindow: "24h", metadata: .null, model: nil, errors: [])
    }

    /// The batch's state in OpenAI's names (expired included).
    static func state(_ record: BatchRecord, _ status: BatchStatus) -> String { BatchObject.status(details(record), status) }

    static func json(_ record: BatchRecord, _ status: BatchStatus, resultsURL: String) -> JSONValue {
        let details = details(record)
        let state = BatchObject.status(details, status)
        let ended = processing(state) == "ended"
        let stamps = Dictionary(status.timestamps.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        let total = status.rowsTotal ?? details.requests ?? 0
        let succeeded = max(0, status.rowsDone - (status.rowsFailed - status.badInput))
        let errored = status.rowsFailed
        let rest = max(0, total - succeeded - errored)
        let endedAt = details.expiredAt ?? (stamps["completed_at"] ?? nil) ?? (stamps["cancelled_at"] ?? nil) ?? (stamps["failed_at"] ?? nil)
        return .object(JSONObject([
            ("id", .string(record.id)), ("type", .string("message_batch")), ("processing_status", .string(processing(state))),
            ("request_counts", .object(JSONObject([
                ("processing", .int(Int64(ended ? 0 : rest))), ("succeeded", .int(Int64(succeeded))), ("errored", .int(Int64(errored))),
                ("canceled", .int(Int64(ended && state == "cancelled" ? rest : 0))), ("expired", .int(Int64(ended && state == "expired" ? rest : 0))),
            ]))),
            ("ended_at", ended ? time(endedAt ?? record.createdAt) : .null), ("created_at", time(record.createdAt)),
            ("expires_at", time(record.createdAt + BatchObject.window)), ("archived_at", .null),
            ("cancel_initiated_at", time(stamps["cancelling_at"] ?? nil)), ("results_url", ended ? .string(resultsURL) : .null),
        ]))
    }
}
