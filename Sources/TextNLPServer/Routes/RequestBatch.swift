import Foundation
import TextNLPBatches
import TextNLPPipeline

/// A batch of API requests (OpenAI's input files, Anthropic's message batches), run as a textnlp pipeline
/// on the same store and workers as every other batch.
enum RequestBatch {
    /// A request's default `max_tokens` when its body gives none.
    static let defaultMaxTokens = 256

    /// Runs checked request rows (`custom_id`, `messages` or `prompt`, `params`) as a pipeline under the batch id
    /// `id`: ingest them, generate with each row's parameters, export.
    static func submit(id: String, name: String, rows: [UInt8], chat: Bool, model: String, tenant: String, details: String, deps: ServerDependencies) async throws {
        let directory = (deps.scratch as NSString).appendingPathComponent("inputs")
        try AtomicFile.createDirectory(directory)
        let input = (directory as NSString).appendingPathComponent("\(id).jsonl")
        try AtomicFile.write(to: input) { try $0.write(contentsOf: rows) }
        defer { try? FileManager.default.removeItem(atPath: input) }
        let pipeline = JSONValue.object(JSONObject([
            ("name", .string(name)), ("model", .string(model)), ("seed", .int(0)),
            ("stages", .array([
                .object(JSONObject([("ingest", .object(JSONObject([("format", .string("jsonl")), ("path", .string(input)), ("id", .string("custom_id"))])))])),
                .object(JSONObject([("generate", .object(JSONObject([
                    ("input", .string(chat ? "messages" : "prompt")), ("as", .string("completion")),
                    ("parameters", .string("params")), ("max_tokens", .int(Int64(defaultMaxTokens))),
                    // OpenAI's defaults, not llama.cpp's: plain sampling at temperature 1 unless the request says otherwise.
                    ("temperature", .int(1)), ("top_p", .int(1)), ("top_k", .int(0)), ("min_p", .int(0)),
                ])))])),
                .object(JSONObject([("export", .object(JSONObject([("path", .string("openai/{{batch_id}}/output.jsonl.zst"))])))])),
            ])),
            ("execution", .object(JSONObject([("shard_rows", .int(16))]))),
        ]))
        let spec = try PipelineSpec.decode(Array(JSONWriter.string(pipeline).utf8), file: "batch \(id)")
        var submit = ClusterSubmit(spec: spec, model: nil, tenant: tenant, details: details)
        submit.id = id
        _ = try await submit.run(on: deps.store)
    }
}
