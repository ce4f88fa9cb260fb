import Foundation
import TextNLPBatches
import TextNLPJobs
import TextNLPPipeline

/// An OpenAI batch's output and error files. They are made once the batch has ended (completed, failed,
/// cancelled), from the parts its shards wrote, and are then files like any upload: their ids are derived
/// from the batch's, so two requests that make them at once make the same two files.
struct BatchResults {
    let store: any ServerStore
    let scratch: String

    static func fileID(batch: String, kind: String) -> String {
        "file-" + String(SHA256.hex(Array("\(batch)\u{0}\(kind)".utf8)).prefix(24))
    }

    /// The output and error file ids of an ended batch (nil for a file with no line), made if need be.
    func files(_ record: BatchRecord, details: BatchDetails) async throws -> (output: String?, errors: String?) {
        let outputID = Self.fileID(batch: record.id, kind: "output"), errorID = Self.fileID(batch: record.id, kind: "errors")
        let known = (try await store.file(id: outputID, tenant: record.tenant), try await store.file(id: errorID, tenant: record.tenant))
        if known.0 != nil || known.1 != nil { return (known.0.map(\.id), known.1.map(\.id)) }
        let parts = try await BatchParts.names(batch: record.id, store: store)
        let lines = BatchOutputLine(batchID: record.id, endpoint: details.endpoint, model: details.model ?? "", created: Int64(record.createdAt))
        let output = try await write(parts.data, group: record.id, id: outputID, name: "batch_\(record.id)_output.jsonl", tenant: record.tenant,
                                     convert: lines.output)
        let errors = try await write(parts.errors, group: record.id, id: errorID, name: "batch_\(record.id)_error.jsonl", tenant: record.tenant,
                                     convert: lines.error)
        return (output, errors)
    }

    /// Converts the rows of `parts` (zstd JSON lines) into a file of lines; nil when there were none.
    private func write(_ parts: [String], group: String, id: String, name: String, tenant: String,
                       convert: @escaping @Sendable ([JSONObject]) -> JSONValue) async throws -> String? {
        try AtomicFile.createDirectory(scratch)
        let path = (scratch as NSString).appendingPathComponent("\(id)-\(UUID().uuidString).jsonl")
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw PipelineError.io(path: path, reason: "cannot create the file")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = LineConverter(handle: handle, convert: convert)
        do {
            for part in parts {
                let decoder = try ZstdStreamDecoder()
                try await store.readArtifact(group: group, name: part) { chunk in try sink.take(try decoder.feed(chunk)) }
                try decoder.finish()
            }
            try sink.finish()
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        guard sink.lines > 0 else { return nil }
        try await store.putArtifact(group: FileRecord.group(id), name: FileRecord.contentName, fromFile: path)
        return try await store.recordFile(FileRecord(id: id, tenant: tenant, filename: name, purpose: "batch_output", bytes: sink.bytes)).id
    }
}

/// Splits decoded bytes into rows, gathers the consecutive rows of one request (its samples), and writes
/// each request's converted line to a file.
private final class LineConverter: @unchecked Sendable {
    // Only touched by the one reading task, one chunk after another.
    let handle: FileHandle
    let convert: @Sendable ([JSONObject]) -> JSONValue
    var pending: [UInt8] = []
    var group: [JSONObject] = []
    var lines = 0
    var bytes: Int64 = 0

    init(handle: FileHandle, convert: @escaping @Sendable ([JSONObject]) -> JSONValue) {
        self.handle = handle
        self.convert = convert
    }

    func take(_ decoded: [UInt8]) throws {
        pending += decoded
        var start = 0
        while let end = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            try row(pending[start..<end])
            start = end + 1
        }
        pending.removeFirst(start)
    }

    func finish() throws {
        if !pending.isEmpty { try row(pending[...]) }
        pending = []
        try emit()
    }

    private func row(_ line: ArraySlice<UInt8>) throws {
        guard !line.isEmpty, case .object(let row) = try JSONParser.parse(Array(line)) else { return }
        if let first = group.first, BatchOutputLine.customID(first) != BatchOutputLine.customID(row) { try emit() }
        group.append(row)
    }

    private func emit() throws {
        guard !group.isEmpty else { return }
        let out = Array((JSONWriter.string(convert(group)) + "\n").utf8)
        group = []
        try handle.write(contentsOf: out)
        lines += 1
        bytes += Int64(out.count)
    }
}
