import Foundation
import TextNLPBatches
import TextNLPJobs
import TextNLPPipeline

/// The results of an ended message batch, one JSON line per request in the order they were sent:
/// `{"custom_id", "result": {"type": "succeeded", "message"}}`, or `errored` with the error, or `canceled` /
/// `expired` for a request that never ran. Made from the parts the batch's shards wrote.
struct AnthropicBatchResults {
    let store: any ServerStore

    /// The ids of the batch's requests, in order, kept beside its jobs.
    static let requestsArtifact = "anthropic/custom_ids"

    func jsonl(_ record: BatchRecord, state: String) async throws -> [UInt8] {
        let ids = String(decoding: try await store.artifactBytes(group: record.id, name: Self.requestsArtifact) ?? [], as: UTF8.self)
            .split(separator: "\n").map(String.init)
        let parts = try await BatchParts.names(batch: record.id, store: store)
        var results: [String: JSONValue] = [:]
        for row in try await rows(parts.data, group: record.id) {
            let id = BatchOutputLine.customID(row)
            results[id] = .object(JSONObject([("type", .string("succeeded")), ("message", message(row, batch: record.id, model: record.model ?? ""))]))
        }
        for row in try await rows(parts.errors, group: record.id) {
            let id = BatchOutputLine.customID(row)
            let reason = row["reason"]?.stringValue ?? "the request failed"
            results[id] = .object(JSONObject([("type", .string("errored")), ("error", APIError.invalid(reason, param: nil).anthropicJSON)]))
        }
        let missing = JSONValue.object(JSONObject([("type", .string(state == "expired" ? "expired" : state == "cancelled" ? "canceled" : "errored"))]))
        var out: [UInt8] = []
        for id in ids {
            let result = results[id] ?? (state == "expired" || state == "cancelled" ? missing
                : .object(JSONObject([("type", .string("errored")), ("error", APIError(.internalServerError, "The request was not answered.").anthropicJSON)])))
            out += Array(JSONWriter.string(.object(JSONObject([("custom_id", .string(id)), ("result", result)]))).utf8)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    private func message(_ row: JSONObject, batch: String, model: String) -> JSONValue {
        let finish = row["completion_finish_reason"]?.stringValue
        let stop = row["completion_stop_sequence"]?.stringValue
        let reason = finish == "length" ? "max_tokens" : stop != nil ? "stop_sequence" : "end_turn"
        func int(_ key: String) -> Int { row[key]?.doubleValue.map { Int($0) } ?? 0 }
        let id = "msg_" + String(SHA256.hex(Array("\(batch)\u{0}\(BatchOutputLine.customID(row))".utf8)).prefix(24))
        return .object(JSONObject([
            ("id", .string(id)), ("type", .string("message")), ("role", .string("assistant")), ("model", .string(model)),
            ("content", .array([AnthropicObjects.textBlock(row["completion"]?.stringValue ?? "")])),
            ("stop_reason", .string(reason)), ("stop_sequence", stop.map(JSONValue.string) ?? .null),
            ("usage", AnthropicObjects.usage(input: int("completion_prompt_tokens"), output: int("completion_completion_tokens"))),
        ]))
    }

    /// Every row of the parts (zstd JSON lines).
    private func rows(_ parts: [String], group: String) async throws -> [JSONObject] {
        let collected = Collected()
        for part in parts {
            let decoder = try ZstdStreamDecoder()
            _ = try await store.readArtifact(group: group, name: part) { chunk in collected.append(try decoder.feed(chunk)) }
            try decoder.finish()
        }
        return collected.value.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONParser.parse(Array($0)).objectValue }
    }
}

/// Bytes gathered by one reader, chunk after chunk.
private final class Collected: @unchecked Sendable {
    // Only touched by the one reading task, one chunk after another.
    var value: [UInt8] = []
    func append(_ bytes: [UInt8]) { value += bytes }
}
